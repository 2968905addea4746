// Whether a process still exists (for lock files whose holder may have crashed). EPERM means it
// exists but belongs to someone else.
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
