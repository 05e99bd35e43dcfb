/**
 * The one glob dialect of the configuration files (lint `ignore:` paths and actionlint `paths:`
 * keys and runner labels, `scale_files` of the performance budget, `allowed_refs` and
 * `signer_workflows` of the promotion policy): `*` matches any run of characters within a path
 * segment, `**` any run across segments (`**` followed by `/` also none), `?` one character other than `/`;
 * every other character stands for itself. Names that are not paths (git refs, workflow refs)
 * match with `segments: false`, where `*` also crosses `/` (`refs/heads/*` matches
 * `refs/heads/feature/x`). Listing files by glob is tinyglobby's (fast-glob syntax).
 */

/** Options of {@link globToRegExp}. */
export interface GlobOptions {
  /** Whether `/` separates segments that `*` and `?` do not cross (default true: paths). */
  segments?: boolean;
}

/** The anchored regular expression of `glob` (see the module doc). */
export function globToRegExp(glob: string, options: GlobOptions = {}): RegExp {
  const segments = options.segments !== false;
  const star = segments ? '[^/]*' : '.*';
  const one = segments ? '[^/]' : '.';
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*' && glob[i + 1] === '*') {
      i++;
      if (glob[i + 1] === '/') {
        i++;
        re += '(?:.*/)?';
      } else re += '.*';
    } else if (c === '*') re += star;
    else if (c === '?') re += one;
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/** True when `value` matches `glob` (see {@link globToRegExp}). */
export function matchesGlob(value: string, glob: string, options: GlobOptions = {}): boolean {
  return globToRegExp(glob, options).test(value);
}
