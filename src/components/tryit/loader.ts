/**
 * The only Try-it code in the page's first load: waits until the section is on screen,
 * then fetches the app (TensorFlow.js and the models come with it). Until then the
 * section is static text.
 */
export function watchTryIt(): void {
  const root = document.querySelector<HTMLElement>('[data-tryit]');
  if (!root || root.dataset.state) return;
  root.dataset.state = 'waiting';
  const start = () => {
    root.dataset.state = 'loading';
    import('./app.ts')
      .then((m) => m.startTryIt(root))
      .catch((e: unknown) => {
        root.dataset.state = 'failed';
        const status = root.querySelector<HTMLElement>('[data-tryit-status]');
        if (status) status.textContent = `The models could not be started in this browser: ${e instanceof Error ? e.message : String(e)}. The rest of the page is unaffected.`;
        console.error('tryit: could not start:', e);
      });
  };
  if (!('IntersectionObserver' in window)) return start();
  const observer = new IntersectionObserver((entries) => {
    if (!entries.some((e) => e.isIntersecting)) return;
    observer.disconnect();
    start();
  });
  observer.observe(root);
}
