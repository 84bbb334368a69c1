import { useEffect, useRef, useState } from 'preact/hooks';
import { session, signOut } from './session.js';
import { useSignal } from './signal.js';
import { TenantBar } from './tenant-bar.js';
import { AgentDetailView, AgentsView } from './views/agents.js';
import { ApprovalsView } from './views/approvals.js';
import { PoliciesView } from './views/policies.js';
import { AuditView } from './views/audit.js';
import { ClientsView } from './views/clients.js';
import { CreditsView } from './views/credits.js';
import { OverviewView } from './views/overview.js';
import { ReviewsView } from './views/reviews.js';
import { SignIn } from './views/sign-in.js';
import { TaskDetailView, TasksView } from './views/tasks.js';
import { TryItView } from './views/try-it.js';
import { WorkflowsView } from './views/workflows.js';

/** The hash route (`#/agents/echo` → ['agents', 'echo']): no server route per view, no history API. */
function useRoute(): string[] {
  const read = () =>
    location.hash
      .replace(/^#\/?/, '')
      .split('/')
      .filter((s) => s !== '')
      .map((s) => {
        try {
          return decodeURIComponent(s);
        } catch {
          return s;
        }
      });
  const [route, setRoute] = useState(read);
  useEffect(() => {
    const onChange = () => setRoute(read());
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  return route;
}

/**
 * After a view is chosen (a link, the back button: any change of route once
 * signed in), the focus moves to the view's heading, made focusable for it
 * (tabindex=-1), as accessible single-page apps do: a screen reader reads
 * the new view's title, and the next Tab goes into the view instead of to
 * the navigation link after the one chosen. A view that shows its heading
 * only once its data loads holds the focus on <main> until it does. The first
 * view shown leaves the focus where the browser puts it.
 */
function useFocusOnViewChange(route: string, signedIn: boolean): void {
  const shown = useRef<string | undefined>(undefined);
  useEffect(() => {
    const before = shown.current;
    shown.current = signedIn ? route : undefined;
    if (!signedIn || before === undefined || before === route) return;
    const main = document.getElementById('main');
    if (main === null) return;
    const toHeading = (): boolean => {
      const heading = main.querySelector('h1');
      if (heading === null) return false;
      heading.tabIndex = -1;
      heading.focus();
      return true;
    };
    if (toHeading()) return;
    main.focus();
    const observer = new MutationObserver(() => {
      // Only while nothing else took the focus meanwhile (a click, a Tab into the view).
      if (document.activeElement !== main || toHeading()) observer.disconnect();
    });
    observer.observe(main, { childList: true, subtree: true });
    return () => observer.disconnect();
  }, [route, signedIn]);
}

const VIEWS = [
  { path: 'overview', title: 'Overview' },
  { path: 'agents', title: 'Agents' },
  { path: 'try', title: 'Try it' },
  { path: 'tasks', title: 'Tasks' },
  { path: 'workflows', title: 'Workflows' },
  { path: 'credits', title: 'Credits' },
  { path: 'approvals', title: 'Approvals' },
  { path: 'policies', title: 'Policies' },
  { path: 'reviews', title: 'Reviews' },
  { path: 'audit', title: 'Audit' },
  { path: 'clients', title: 'Clients' },
] as const;

/** The views of a tenant's A2A calls: a platform admin chooses the tenant to act in on these. */
const TENANT_VIEWS = new Set(['try', 'tasks', 'workflows']);

export function App() {
  const current = useSignal(session);
  const route = useRoute();
  const view = route[0] ?? 'overview';
  useFocusOnViewChange(route.join('/'), current !== null);

  useEffect(() => {
    const title = VIEWS.find((v) => v.path === view)?.title;
    document.title = current === null ? 'Sign in · agentmesh console' : `${title ?? 'Not found'} · agentmesh console`;
  }, [view, current]);

  if (current === null) return <SignIn />;
  const { info } = current;
  return (
    <>
      <a class="skip" href="#main" onClick={(e) => (e.preventDefault(), document.getElementById('main')?.focus())}>
        Skip to content
      </a>
      <header class="top">
        <span class="brand">agentmesh</span>
        <nav aria-label="Views">
          <ul>
            {VIEWS.map((v) => (
              <li key={v.path}>
                <a href={`#/${v.path}`} aria-current={view === v.path ? 'page' : undefined}>
                  {v.title}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <span class="who" data-testid="who" title={info.subject}>
          {info.subject} · {info.platform ? 'platform admin (every tenant)' : `tenant ${info.tenant}`}
        </span>
        <button type="button" class="sign-out" onClick={() => signOut('You signed out.')}>
          Sign out
        </button>
      </header>
      {info.platform && TENANT_VIEWS.has(view) && <TenantBar />}
      <main id="main" tabIndex={-1}>
        {view === 'overview' && <OverviewView />}
        {view === 'agents' && (route[1] === undefined ? <AgentsView /> : <AgentDetailView name={route[1]} key={route[1]} />)}
        {view === 'tasks' && (route[1] !== undefined && route[2] !== undefined ? <TaskDetailView agent={route[1]} id={route[2]} /> : <TasksView />)}
        {view === 'workflows' && <WorkflowsView key={route.slice(1).join('/')} {...(route[1] !== undefined && { workflow: route[1] })} {...(route[2] === 'runs' && route[3] !== undefined && { run: route[3] })} />}
        {view === 'credits' && <CreditsView />}
        {view === 'approvals' && <ApprovalsView />}
        {view === 'policies' && <PoliciesView />}
        {view === 'reviews' && <ReviewsView />}
        {view === 'audit' && <AuditView />}
        {view === 'clients' && <ClientsView />}
        {view === 'try' && <TryItView {...(route[1] !== undefined && { agent: route[1] })} {...(route[2] !== undefined && { skill: route[2] })} />}
        {!VIEWS.some((v) => v.path === view) && (
          <>
            <h1>Not found</h1>
            <p>
              The console has no page at <code>#/{route.join('/')}</code>. <a href="#/overview">Back to the overview</a>
            </p>
          </>
        )}
      </main>
    </>
  );
}
