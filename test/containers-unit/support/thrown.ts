/** What `build` throws (undefined when it returns), for assertions on the error object itself. */
export function thrown(build: () => unknown): unknown {
  try {
    build();
  } catch (e) {
    return e;
  }
  return undefined;
}
