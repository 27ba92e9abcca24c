/** `work`'s value, or `undefined` once `deadline` (epoch ms) has passed first. */
export function beforeDeadline<T>(work: Promise<T>, deadline: number): Promise<T | undefined> {
  const ms = deadline - Date.now();
  if (ms === Number.POSITIVE_INFINITY) return work;
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((resolve) => {
    timer = setTimeout(resolve, Math.max(0, ms), undefined);
    timer.unref(); // who waits here (a flush, a close) holds the process itself
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}
