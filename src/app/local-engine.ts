import { dockerCliOnPath, dockerEngineAnswers } from '../adapters/docker-engine.js';

/**
 * Whether `apply --target local` could run here: a docker CLI on PATH and a Docker engine answering
 * where it would talk to. Asked without starting any process.
 */
export async function localEngineReady(env: Readonly<Record<string, string | undefined>>): Promise<boolean> {
  const [cli, engine] = await Promise.all([dockerCliOnPath(env), dockerEngineAnswers(env)]);
  return cli && engine;
}
