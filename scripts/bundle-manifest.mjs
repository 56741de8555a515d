// The check that an edge bundle (build/edge) was built from the config a tool is about to decide
// with. scripts/package-edge.sh records `edgeguard config digest CONFIG` in manifest.json; this
// compares it with the digest of the config named now, computed by the same CLI subcommand (the
// digest has one owner: the Rust CLI). Used by scripts/edge-invoke.mjs and tests/node/.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The debug CLI that `make package` builds; its `config digest` defines a config's digest. */
export const DEFAULT_CLI = fileURLToPath(new URL('../target/debug/edgeguard', import.meta.url));

/** Thrown when a bundle cannot be shown to come from the named config. */
export class BundleMismatch extends Error {}

/** `edgeguard config digest CONFIG`, or a BundleMismatch naming why it could not be computed. */
export function configDigest(configPath, cli = DEFAULT_CLI) {
  const run = spawnSync(cli, ['config', 'digest', configPath], { encoding: 'utf8' });
  if (run.error) throw new BundleMismatch(`cannot run ${cli} (${run.error.code ?? run.error.message}): run \`cargo build --bin edgeguard\``);
  if (run.status !== 0) throw new BundleMismatch(`edgeguard config digest ${configPath} failed: ${run.stderr.trim()}`);
  return run.stdout.trim();
}

/**
 * Returns the bundle's manifest if it was built from `configPath`; otherwise throws a
 * BundleMismatch saying which config it was built from and what to run. A bundle without a
 * readable manifest is refused too: nothing says what it decides with.
 */
export function assertBundleBuiltFrom(bundleDir, configPath, cli = DEFAULT_CLI) {
  const rebuild = `run \`make package CONFIG=${configPath}\``;
  const manifestPath = join(bundleDir, 'manifest.json');
  let manifest;
  try {
    manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
  } catch (e) {
    throw new BundleMismatch(`${manifestPath} is missing or unreadable (${e.code ?? e.message}), so nothing says which config the bundle decides with: ${rebuild}`);
  }
  if (typeof manifest?.config_sha256 !== 'string') {
    throw new BundleMismatch(`${manifestPath} records no config_sha256: ${rebuild}`);
  }
  const wanted = configDigest(configPath, cli);
  if (manifest.config_sha256 !== wanted) {
    throw new BundleMismatch(
      `${bundleDir} was built from ${manifest.config ?? 'an unnamed config'} (config sha256 ${manifest.config_sha256}), `
      + `not from ${configPath} (config sha256 ${wanted}): ${rebuild}`,
    );
  }
  return manifest;
}
