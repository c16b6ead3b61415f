import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { BrowserRouter, Route, Routes } from 'react-router';
import { ApiError } from './api/client';
import { SessionProvider, useSession } from './auth/session';
import { SignInPage } from './auth/SignInPage';
import { InboxPage } from './inbox/InboxPage';
import { DetailPage } from './detail/DetailPage';
import { StudioPage } from './studio/StudioPage';
import { Layout } from './Layout';
import { ItemListProvider } from './ui/shortcuts';
import './styles.css';

const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      // 4xx answers are final (a missing item, a refused permission); retry the rest briefly.
      retry: (count, error) => !(error instanceof ApiError && error.status >= 400 && error.status < 500) && count < 2,
    },
  },
});

function Console() {
  const { session } = useSession();
  if (!session) return <SignInPage />;
  return (
    <ItemListProvider>
      <Routes>
        <Route element={<Layout />}>
          <Route index element={<InboxPage />} />
          <Route path="workflows/:workflowId" element={<DetailPage />} />
          <Route path="studio" element={<StudioPage />} />
          <Route path="*" element={<InboxPage />} />
        </Route>
      </Routes>
    </ItemListProvider>
  );
}

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <QueryClientProvider client={queryClient}>
      <BrowserRouter basename="/console">
        <SessionProvider>
          <Console />
        </SessionProvider>
      </BrowserRouter>
    </QueryClientProvider>
  </StrictMode>,
);
