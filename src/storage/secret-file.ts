import { randomBytes } from 'node:crypto';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Errors, errorCode } from '../protocol/index.js';
import { makeFolderSync } from './make-folder.js';

/** What {@link readOrCreateSecretFile} found; the caller logs what needs saying. */
export interface SecretFile {
  secret: string;
  /** The file did not exist and was created now with a random secret. */
  created: boolean;
  /** The file is readable by group or others (mode & 0o077): it should be chmod 600. */
  loose: boolean;
  /** The file's permission bits. */
  mode: number;
}

/**
 * Reads a secret kept in a file (32+ characters), or creates the file with a
 * random one (mode 0600) when it does not exist. Two processes starting
 * together on one data dir agree: the file is created exclusively and the
 * loser reads the winner's.
 *
 * @example
 * const { secret, created } = await readOrCreateSecretFile(join(dataDir, 'runtime-secret'));
 * if (created) log.warn('generated a secret; replicas on other hosts need the same one');
 */
export async function readOrCreateSecretFile(file: string): Promise<SecretFile> {
  try {
    const text = (await readFile(file, 'utf8')).trim();
    if (text.length < 32) throw Errors.secretFileTooShort({ file });
    const mode = (await stat(file)).mode & 0o777;
    return { secret: text, created: false, loose: (mode & 0o077) !== 0, mode };
  } catch (err) {
    if (errorCode(err) !== 'ENOENT') throw err;
  }
  makeFolderSync(dirname(file), 0o700);
  const secret = randomBytes(32).toString('base64url');
  try {
    // `wx`: two replicas starting together on one data dir must not both write a secret.
    await writeFile(file, `${secret}\n`, { mode: 0o600, flag: 'wx' });
  } catch (err) {
    if (errorCode(err) === 'EEXIST') return readOrCreateSecretFile(file);
    throw err;
  }
  return { secret, created: true, loose: false, mode: 0o600 };
}
