/** Where the course's own programs live inside the guest image (see initramfs.ts). */
export const GUEST_PATHS = {
  agent: '/nlwb/agent.mjs',
  zygote: '/nlwb/zygote.mjs',
  attach: '/nlwb/attach.sh',
  busybox: '/bin/busybox',
} as const;

/** Where the image is once the host's filesystem has been attached (kernel/vm/attach.sh). */
export const IMAGE_AFTER_ATTACH = '/run/nlwb-image';

/** A path of the image, before or after the attach. */
export function imagePath(path: string, attached: boolean): string {
  return attached ? `${IMAGE_AFTER_ATTACH}${path}` : path;
}
