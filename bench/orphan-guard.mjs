/**
 * Preloaded (`node --import`) into every benchmark server: the runner holds the write end of the
 * child's stdin, so its end means the runner is gone and nobody will ever stop this server.
 * Unref'd, so it never keeps a process alive that would otherwise exit.
 */
process.stdin.on('end', () => process.exit(1));
process.stdin.on('error', () => process.exit(1));
process.stdin.resume();
process.stdin.unref?.();
