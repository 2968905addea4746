// The engine's loop in miniature for the Redivis client tests: bounded steps; a status query after
// every error; one new session when the old one is gone; then finish with the last chunk's answer.
import { FerryError } from '../../app/common/errors.js';
import { classify } from '../../app/engine/classify.js';
import type { Chunk, Provider, RemoteFile, ServerState, Session, UploadJob } from '../../app/engine/provider.js';

export interface Driven {
  remote: RemoteFile;
  errors: FerryError[];
  sessions: Session[];
}

export async function drive(p: Provider, j: UploadJob, data: Buffer, o: { afterChunk?: (offset: number) => void | Promise<void> } = {}): Promise<Driven> {
  const signal = new AbortController().signal;
  const errors: FerryError[] = [];
  const sessions = [await p.create(j, signal)];
  let session = sessions[0]!;
  let st: ServerState | undefined = { kind: 'offset', offset: 0 };
  let emptySent = false;
  for (let step = 0; step < 40; step++) {
    try {
      st ??= await p.status(session, j, signal);
      if (st.kind === 'complete' || (data.length === 0 && emptySent)) break;
      const offset: number = st.kind === 'offset' ? st.offset : 0;
      const length = Math.min(session.chunkSize, data.length - offset);
      const chunk: Chunk = { index: Math.floor(offset / session.chunkSize), offset, data: data.subarray(offset, offset + length), final: offset + length >= data.length };
      st = (await p.sendChunk(session, j, chunk, { signal })) ?? { kind: 'offset', offset: offset + length };
      if (length === 0) emptySent = true;
      if (st.kind === 'offset') await o.afterChunk?.(st.offset);
    } catch (e) {
      if (!(e instanceof FerryError)) throw e;
      errors.push(e);
      const v = classify(e);
      if (v.kind === 'session-gone') {
        if (sessions.length > 1) throw e;
        session = await p.create(j, signal);
        sessions.push(session);
        st = { kind: 'offset', offset: 0 };
      } else if (v.kind === 'transient' || v.kind === 'rate-limited' || v.kind === 'reconcile') {
        st = undefined;
      } else {
        throw e;
      }
    }
  }
  if (st?.kind !== 'complete') throw new Error(`upload did not complete: ${JSON.stringify(st)}`);
  const remote = await p.finish(session, { ...j, ...(st.result ? { completed: st.result } : {}) }, {}, signal);
  return { remote, errors, sessions };
}
