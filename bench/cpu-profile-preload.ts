/**
 * `node --import <this> …`: a CPU profile of the whole process, written when it exits, for
 * processes whose command line the bench does not own (Node 20 refuses `--cpu-prof` in
 * NODE_OPTIONS, `--import` it accepts). The profile goes to $CHATLAB_CPU_PROF_DIR as
 * <pid>.cpuprofile (open it in Chrome DevTools, or `node dist/bench/profile-top.js FILE`).
 */
import fs from 'node:fs';
import { Session } from 'node:inspector';
import path from 'node:path';

const dir = process.env['CHATLAB_CPU_PROF_DIR'];
if (dir) {
  const session = new Session();
  session.connect();
  // 1 ms sampling like --cpu-prof's default
  session.post('Profiler.enable');
  session.post('Profiler.setSamplingInterval', { interval: 1000 });
  session.post('Profiler.start');
  process.once('exit', () => {
    // the in-thread session answers synchronously, so this works inside `exit`
    session.post('Profiler.stop', (err, result) => {
      if (err) return;
      fs.mkdirSync(dir, { recursive: true });
      fs.writeFileSync(path.join(dir, `${process.pid}.cpuprofile`), JSON.stringify(result.profile));
    });
  });
}
