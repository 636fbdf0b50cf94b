/**
 * Recognises the kernel's own reports of trouble in its log. Any of these during a lab
 * fails the run and shows the log, because a module that warns or oopses is wrong even
 * when the userspace tests happened to pass.
 */
export interface KernelProblem {
  kind: 'oops' | 'bug' | 'warning' | 'panic' | 'lockup' | 'leak';
  line: string;
  /** Index of the line in the scanned log. */
  index: number;
}

const PATTERNS: [KernelProblem['kind'], RegExp][] = [
  ['panic', /Kernel panic - not syncing/],
  ['oops', /\bOops\b|general protection fault|unable to handle (kernel )?(NULL pointer dereference|paging request)/i],
  // before 'bug': "watchdog: BUG: soft lockup" is a lockup
  ['lockup', /soft lockup|hard LOCKUP|rcu_sched detected stalls|rcu: INFO: .* detected stalls|blocked for more than \d+ seconds/],
  ['bug', /\bBUG: |kernel BUG at|UBSAN:|KASAN:/],
  ['warning', /WARNING: CPU: \d+ PID: \d+|------------\[ cut here \]------------/],
  ['leak', /kmemleak: \d+ new suspected memory leaks/],
];

export function scanKernelLog(lines: readonly string[]): KernelProblem[] {
  const problems: KernelProblem[] = [];
  lines.forEach((line, index) => {
    for (const [kind, pattern] of PATTERNS) {
      if (pattern.test(line)) {
        // "cut here" and the WARNING line belong to one report: keep the first only.
        const previous = problems.at(-1);
        if (!(kind === 'warning' && previous?.kind === 'warning' && index - previous.index <= 2)) problems.push({ kind, line, index });
        break;
      }
    }
  });
  return problems;
}
