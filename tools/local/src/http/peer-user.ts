import { readFile } from 'node:fs/promises';

/** The two ends of a TCP connection, as the server sees them. */
export interface ConnectionEnds {
  readonly localPort?: number;
  readonly remotePort?: number;
}

/** Where Linux lists every TCP socket with the uid of the process that owns it. */
const PROC_TCP_TABLES = ['/proc/net/tcp', '/proc/net/tcp6'] as const;
/** `st` of a socket that is still connected or half-closed (not TIME_WAIT/CLOSE, whose uid reads 0). */
const LIVE_STATES = new Set(['01', '04', '05', '08']);

/**
 * The OS user (uid) that owns the client end of a loopback TCP connection to this server:
 * the socket in `/proc/net/tcp(6)` whose local port is the caller's port and whose remote port
 * is ours. `null` when the tables cannot be read (not Linux): the caller cannot be told
 * apart there. `undefined` when no live socket matches (the caller is gone).
 *
 * Hand-written because Node exposes no SO_PEERCRED for TCP; on loopback the kernel's socket
 * table is the same fact (identd reads it the same way).
 */
export async function loopbackPeerUid(ends: ConnectionEnds, tables: readonly string[] = PROC_TCP_TABLES): Promise<number | null | undefined> {
  const { localPort, remotePort } = ends;
  if (localPort === undefined || remotePort === undefined) return undefined;
  const hexPort = (port: number) => port.toString(16).toUpperCase().padStart(4, '0');
  const [clientPort, serverPort] = [hexPort(remotePort), hexPort(localPort)];
  let readAny = false;
  for (const table of tables) {
    let text: string;
    try {
      text = await readFile(table, 'utf8');
    } catch {
      continue;
    }
    readAny = true;
    for (const line of text.split('\n').slice(1)) {
      const [, local = '', remote = '', state = '', , , , uid = ''] = line.trim().split(/\s+/);
      if (local.endsWith(`:${clientPort}`) && remote.endsWith(`:${serverPort}`) && LIVE_STATES.has(state) && /^\d+$/.test(uid)) {
        return Number(uid);
      }
    }
  }
  return readAny ? undefined : null;
}

/**
 * Whether the caller at the other end of a loopback connection runs as this process's OS
 * user. Another user of the machine reaches 127.0.0.1 too; the development sign-in (any
 * name, no password) must be open to the developer only. Where the kernel's socket table
 * cannot be read (not Linux), every loopback caller is taken as the developer.
 */
export async function isSameOsUser(ends: ConnectionEnds, ownUid: number | undefined = process.getuid?.()): Promise<boolean> {
  if (ownUid === undefined) return true;
  const uid = await loopbackPeerUid(ends);
  if (uid === null) return true;
  return uid === ownUid;
}
