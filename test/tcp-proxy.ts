/**
 * A TCP proxy a test can cut, to simulate a database or Redis outage without touching the real
 * server behind it (other suites share it). It listens on 127.0.0.1 on a free port and forwards
 * every connection to `target`.
 *
 * - `cut('reset')`: the server is gone. Live connections are reset (RST), and every new one is
 *   accepted and reset at once, so clients see ECONNRESET straight away.
 * - `cut('blackhole')`: the network drops everything. Live connections stay open but nothing
 *   more is forwarded either way, and new ones are accepted and never answered: the failure that
 *   hangs a client without timeouts.
 * - `restore()`: connections held by a blackhole are reset (their state is lost, as after a real
 *   partition a server has dropped), and new connections are forwarded again.
 */
import { createServer, connect, type AddressInfo, type Server, type Socket } from 'node:net';

export type CutMode = 'reset' | 'blackhole';

export interface TcpProxy {
  /** The port the proxy listens on, on 127.0.0.1. */
  readonly port: number;
  /** The current state: forwarding, or cut in one of the modes. */
  readonly state: 'open' | CutMode;
  /** Connections forwarded since the proxy started. */
  readonly forwarded: number;
  cut(mode?: CutMode): void;
  restore(): void;
  close(): Promise<void>;
}

/** Ends a socket with a TCP reset when the platform allows, else destroys it. */
function reset(socket: Socket): void {
  if (typeof socket.resetAndDestroy === 'function' && !socket.destroyed) {
    try {
      socket.resetAndDestroy();
      return;
    } catch {
      // not yet connected: fall through
    }
  }
  socket.destroy();
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  let state: TcpProxy['state'] = 'open';
  let forwarded = 0;
  /** Every socket the proxy holds (client and upstream sides), to reset or freeze on a cut. */
  const sockets = new Set<Socket>();
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    // A reset peer is expected here; an unhandled 'error' would crash the test runner.
    socket.on('error', () => {});
  };

  const server: Server = createServer((client) => {
    track(client);
    if (state === 'reset') return reset(client);
    if (state === 'blackhole') {
      client.pause(); // accepted, read nothing, answer nothing
      return;
    }
    forwarded++;
    const upstream = connect(target.port, target.host);
    track(upstream);
    client.pipe(upstream);
    upstream.pipe(client);
    client.once('close', () => reset(upstream));
    upstream.once('close', () => reset(client));
  });
  server.listen(0, '127.0.0.1');
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  const { port } = server.address() as AddressInfo;

  return {
    port,
    get state() {
      return state;
    },
    get forwarded() {
      return forwarded;
    },
    cut(mode: CutMode = 'reset') {
      state = mode;
      for (const socket of [...sockets]) {
        if (mode === 'reset') {
          reset(socket);
        } else {
          // Frozen: bytes already sent sit in buffers, nothing moves any more.
          socket.unpipe();
          socket.pause();
        }
      }
    },
    restore() {
      const held = state === 'blackhole' ? [...sockets] : [];
      state = 'open';
      for (const socket of held) reset(socket);
    },
    async close() {
      state = 'reset';
      for (const socket of [...sockets]) reset(socket);
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
