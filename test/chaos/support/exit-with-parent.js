// Preloaded (`node --require`) into every app process the harness starts: when the harness dies
// without stopping its children (SIGKILL, a crash, a jest timeout), they must not live on as
// orphans that keep polling the next run's servers on the same ports. Runs inside the app process
// itself, so a SIGKILL from the harness still hits the real process.
const parent = process.ppid;
setInterval(() => {
  if (process.ppid !== parent) process.kill(process.pid, 'SIGKILL');
}, 1_000).unref();
