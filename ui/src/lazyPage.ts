import { lazy, type ComponentType } from "react";

// A component loaded on demand, which can also be loaded ahead (`preload`). Once loaded, it
// renders without suspending: React 19 holds a Suspense fallback at least 300 ms once shown, so a
// page whose chunk is already here must not show one.
export type LazyPage<P = any> = ComponentType<P> & { preload(): Promise<unknown> };

export function lazyPage<P = any>(load: () => Promise<{ default: ComponentType<P> }>): LazyPage<P> {
  type Module = { default: ComponentType<P> };
  let loaded: Module | undefined;
  let loading: Promise<Module> | undefined;
  const preload = () =>
    (loading ??= load().then((module) => {
      loaded = module;
      return module;
    }));
  // A thenable that resolves at once when the module is here: React then renders without suspending.
  const Page = lazy(() =>
    loaded ? ({ then: (resolve: (m: Module) => void) => resolve(loaded!) } as unknown as Promise<Module>) : preload(),
  );
  return Object.assign(Page, { preload }) as unknown as LazyPage<P>;
}
