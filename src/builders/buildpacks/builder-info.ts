/**
 * What ofn-local needs to know about a builder image, read from its config as pack reads it: the
 * user buildpacks run as (CNB_USER_ID/CNB_GROUP_ID), the Platform APIs its lifecycle speaks and its
 * run image (label `io.buildpacks.builder.metadata`).
 */
import type Docker from 'dockerode';
import { BuildpacksError } from './errors.js';

export interface BuilderInfo {
  ref: string;
  id: string;
  uid: number;
  gid: number;
  platformApis: string[];
  lifecycleVersion?: string;
  runImage?: string;
}

interface BuilderMetadata {
  stack?: { runImage?: { image?: string } };
  images?: { image?: string }[];
  lifecycle?: { version?: string; api?: { platform?: string }; apis?: { platform?: { supported?: string[] } } };
}

/** Reads a builder's config from an image inspection. Throws when the image is not a builder. */
export function builderInfoFrom(ref: string, inspect: Docker.ImageInspectInfo): BuilderInfo {
  const env = new Map((inspect.Config?.Env ?? []).map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)] as const));
  const uid = Number(env.get('CNB_USER_ID'));
  const gid = Number(env.get('CNB_GROUP_ID'));
  const raw = inspect.Config?.Labels?.['io.buildpacks.builder.metadata'];
  if (!raw || !Number.isInteger(uid) || !Number.isInteger(gid) || !env.has('CNB_USER_ID')) {
    throw new BuildpacksError('ERR_NOT_A_BUILDER', `image ${ref} is not a buildpacks builder (it has no ${raw ? 'CNB_USER_ID/CNB_GROUP_ID env' : 'io.buildpacks.builder.metadata label'})`, { path: 'spec.build.builder' }, 'name a builder image (pack builder create makes one), or drop --build buildpacks');
  }
  let md: BuilderMetadata;
  try {
    md = JSON.parse(raw) as BuilderMetadata;
  } catch {
    throw new BuildpacksError('ERR_NOT_A_BUILDER', `image ${ref} has an unreadable io.buildpacks.builder.metadata label`, { path: 'spec.build.builder' });
  }
  const supported = md.lifecycle?.apis?.platform?.supported ?? (md.lifecycle?.api?.platform ? [md.lifecycle.api.platform] : []);
  const runImage = md.images?.find((i) => i.image)?.image ?? md.stack?.runImage?.image;
  return {
    ref,
    id: inspect.Id,
    uid,
    gid,
    platformApis: supported,
    ...(md.lifecycle?.version ? { lifecycleVersion: md.lifecycle.version } : {}),
    ...(runImage ? { runImage } : {}),
  };
}
