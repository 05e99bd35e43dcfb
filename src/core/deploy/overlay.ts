/**
 * Edits of GitOps overlay files that keep comments, key order and formatting (the `yaml` package's
 * Document API): a kustomization's `images:` entry (`name`, `newName`, `digest`, per
 * https://kubectl.docs.kubernetes.io/references/kustomize/kustomization/images/) or keys of a Helm
 * values file.
 */
import { isMap, isSeq, parseDocument, type Document, YAMLMap, YAMLSeq } from 'yaml';
import { ConfigError } from '../errors.ts';

/** File names kustomize accepts for a kustomization, in its lookup order. */
export const KUSTOMIZATION_FILES = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'] as const;

/** What an overlay currently pins. */
export interface OverlayImage {
  /** `sha256:…` pinned now; undefined when the overlay has no digest yet. */
  digest?: string;
  /** Repository (`registry/repository`) pinned now. */
  repository?: string;
}

function parse(text: string, file: string): Document {
  const doc = parseDocument(text);
  if (doc.errors.length > 0) throw new ConfigError(`invalid YAML: ${doc.errors[0]!.message.split('\n')[0]}`, { location: { file }, fix: 'Fix the overlay file in the GitOps repository.' });
  return doc;
}

function findImageEntry(doc: Document, imageName: string): YAMLMap | undefined {
  const images = doc.get('images', true);
  if (!isSeq(images)) return undefined;
  for (const item of images.items) if (isMap(item) && item.get('name') === imageName) return item;
  return undefined;
}

/** Reads the `images:` entry named `imageName` of a kustomization. */
export function readKustomizeImage(text: string, imageName: string, file = 'kustomization.yaml'): OverlayImage {
  const entry = findImageEntry(parse(text, file), imageName);
  if (!entry) return {};
  const digest = entry.get('digest');
  const newName = entry.get('newName');
  return { ...(typeof digest === 'string' ? { digest } : {}), ...(typeof newName === 'string' ? { repository: newName } : {}) };
}

/**
 * Sets `newName` and `digest` of the `images:` entry named `imageName` (adding `images:` or the
 * entry when missing, and dropping a `newTag`, which a digest supersedes). Comments are kept.
 */
export function setKustomizeImage(text: string, imageName: string, repository: string, digest: string, file = 'kustomization.yaml'): string {
  const doc = parse(text, file);
  let images = doc.get('images', true);
  if (!isSeq(images)) {
    images = new YAMLSeq();
    doc.set('images', images);
  }
  let entry = findImageEntry(doc, imageName);
  if (!entry) {
    entry = new YAMLMap();
    entry.set('name', imageName);
    (images as YAMLSeq).add(entry);
  }
  entry.delete('newTag');
  entry.set('newName', repository);
  entry.set('digest', digest);
  return doc.toString();
}

const splitKey = (key: string) => key.split('.').filter(Boolean);

/** Reads a dotted key of a Helm values file (undefined when absent or not a string). */
export function readHelmValue(text: string, key: string, file = 'values.yaml'): string | undefined {
  const v = parse(text, file).getIn(splitKey(key));
  return typeof v === 'string' ? v : undefined;
}

/** Sets dotted keys of a Helm values file, creating intermediate maps; comments are kept. */
export function setHelmValues(text: string, values: Record<string, string>, file = 'values.yaml'): string {
  const doc = parse(text, file);
  if (doc.contents === null) doc.contents = doc.createNode({});
  for (const [key, value] of Object.entries(values)) doc.setIn(splitKey(key), value);
  return doc.toString();
}
