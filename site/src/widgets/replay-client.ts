/**
 * <nlw-replay>: swaps the static snapshot for asciinema-player when the replay
 * scrolls into view (or on click). The player's JS and CSS are fetched only then,
 * so pages without a replay ship neither.
 */
import playerCssHref from 'asciinema-player/dist/bundle/asciinema-player.css?url';

function addStylesheet(href: string): void {
  if (document.querySelector(`link[rel="stylesheet"][href="${href}"]`)) return;
  const link = document.createElement('link');
  link.rel = 'stylesheet';
  link.href = href;
  document.head.append(link);
}

class ReplayElement extends HTMLElement {
  #started = false;
  #observer: IntersectionObserver | undefined;

  connectedCallback(): void {
    const button = this.querySelector<HTMLButtonElement>('.nlw-replay-play');
    button?.addEventListener('click', () => void this.start());
    const reduceMotion = window.matchMedia('(prefers-reduced-motion: reduce)').matches;
    if (!reduceMotion && 'IntersectionObserver' in window) {
      this.#observer = new IntersectionObserver(
        (entries) => {
          if (entries.some((entry) => entry.isIntersecting)) void this.start();
        },
        { threshold: 0.5 },
      );
      this.#observer.observe(this);
    }
  }

  disconnectedCallback(): void {
    this.#observer?.disconnect();
  }

  async start(): Promise<void> {
    if (this.#started) return;
    this.#started = true;
    this.#observer?.disconnect();
    this.dataset.state = 'loading';
    const button = this.querySelector<HTMLButtonElement>('.nlw-replay-play');
    const snapshot = this.querySelector<HTMLElement>('.nlw-replay-snapshot');
    const mount = this.querySelector<HTMLElement>('.nlw-replay-player');
    const data = this.querySelector('script.nlw-replay-cast')?.textContent;
    if (!mount || !data) return;
    try {
      addStylesheet(playerCssHref);
      const AsciinemaPlayer = await import('asciinema-player');
      const cast = JSON.parse(data) as string;
      const snapshotHeight = snapshot?.offsetHeight;
      // Keep the page from jumping while the player lays itself out.
      if (snapshotHeight) mount.style.minHeight = `${snapshotHeight}px`;
      mount.hidden = false;
      AsciinemaPlayer.create({ data: cast }, mount, {
        autoPlay: true,
        fit: 'width',
        idleTimeLimit: 1,
        terminalFontFamily: 'var(--sl-font-mono, monospace)',
        theme: 'asciinema',
      });
      if (snapshot) snapshot.hidden = true;
      if (button) button.hidden = true;
      mount.style.minHeight = '';
      this.dataset.state = 'playing';
    } catch (err) {
      // The snapshot stays; say why the player did not start.
      this.dataset.state = 'error';
      this.#started = false;
      if (button) button.textContent = '▶ Retry';
      console.warn('replay: the player could not start', err);
    }
  }
}

if (!customElements.get('nlw-replay')) customElements.define('nlw-replay', ReplayElement);
