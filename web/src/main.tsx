import { render } from 'preact';
import { App } from './app.js';
import { startLive } from './live.js';
// uPlot's own styles for the Metrics view's charts (a lazy view's CSS would not be linked).
import 'uplot/dist/uPlot.min.css';
import './styles.css';

const saved = localStorage.getItem('gridctl-theme');
const dark = saved ? saved === 'dark' : matchMedia('(prefers-color-scheme: dark)').matches;
document.documentElement.dataset.theme = dark ? 'dark' : 'light';

startLive();
render(<App />, document.getElementById('app')!);
