/* The UI's entry: the navigation and the routes. Everything shown is rendered as text by Preact (no innerHTML). */
import 'uplot/dist/uPlot.min.css';
import './styles.css';
import { render } from 'preact';
import { Link, Route, Switch, useLocation } from 'wouter-preact';
import { AssetPage, AssetsPage } from './assets';
import { AutomationPage } from './automation';
import { RunPage } from './run';
import { RunsPage } from './runs';

function Nav() {
  const [location] = useLocation();
  const item = (href: string, label: string, active: boolean) => (
    <Link href={href} class={active ? 'active' : ''}>
      {label}
    </Link>
  );
  return (
    <header class="top">
      <span class="brand">inst</span>
      {item('/', 'Runs', location === '/' || location.startsWith('/runs'))}
      {item('/assets', 'Assets', location.startsWith('/asset'))}
      {item('/automation', 'Automation', location.startsWith('/automation'))}
    </header>
  );
}

function App() {
  return (
    <>
      <Nav />
      <main>
        <Switch>
          <Route path="/">
            <RunsPage />
          </Route>
          <Route path="/runs/:runId">{(params: { runId: string }) => <RunPage key={params.runId} runId={params.runId} />}</Route>
          <Route path="/assets">
            <AssetsPage />
          </Route>
          <Route path="/asset">
            <AssetPage />
          </Route>
          <Route path="/automation">
            <AutomationPage />
          </Route>
          <Route>
            <p>Nothing here. <Link href="/">Runs</Link></p>
          </Route>
        </Switch>
      </main>
    </>
  );
}

render(<App />, document.getElementById('app')!);
