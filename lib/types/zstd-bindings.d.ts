// @mongodb-js/zstd's native functions (its bindings.js, which index.js wraps). The wrapper's compress(data) drops the
// level its own index.d.ts declares, so every call compressed at the default level 3 (lib/lake/parquet.ts, loadZstd).
declare module '@mongodb-js/zstd/bindings.js' {
  export function compress(data: Buffer, level?: number | null): Promise<Buffer>;
  export function decompress(data: Buffer): Promise<Buffer>;
}
