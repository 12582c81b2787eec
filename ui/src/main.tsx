import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { BrowserRouter } from "react-router";
import { App, preloadPagesOf } from "./App";
import { SessionProvider } from "./auth/session";
import "./styles.css";

const queryClient = new QueryClient({
  defaultOptions: {
    queries: { staleTime: 1000, retry: 1, refetchOnWindowFocus: true, refetchIntervalInBackground: false },
  },
});

// The page's chunk loads beside the session check; rendering waits for it (at most 1 s), so the
// first paint is the page itself, not a fallback.
const ready = Promise.race([preloadPagesOf(location.pathname).catch(() => undefined), new Promise((r) => setTimeout(r, 1000))]);

ready.then(() => createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <QueryClientProvider client={queryClient}>
      <BrowserRouter>
        <SessionProvider>
          <App />
        </SessionProvider>
      </BrowserRouter>
    </QueryClientProvider>
  </StrictMode>,
));
