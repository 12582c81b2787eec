import { lazy, type ComponentType } from "react";

// A page loaded on demand, which can also be loaded ahead (`preload`). Once loaded, it renders
// without suspending: React 19 holds a Suspense fallback at least 300 ms once shown, so a page
// whose chunk is already here must not show one.
export type LazyPage = ComponentType & { preload(): Promise<unknown> };

export function lazyPage(load: () => Promise<{ default: ComponentType }>): LazyPage {
  let loaded: { default: ComponentType } | undefined;
  let loading: Promise<{ default: ComponentType }> | undefined;
  const preload = () =>
    (loading ??= load().then((module) => {
      loaded = module;
      return module;
    }));
  // A thenable that resolves at once when the module is here: React then renders without suspending.
  const Page = lazy(() =>
    loaded ? ({ then: (resolve: (m: { default: ComponentType }) => void) => resolve(loaded!) } as unknown as Promise<{ default: ComponentType }>) : preload(),
  );
  return Object.assign(Page, { preload }) as unknown as LazyPage;
}
