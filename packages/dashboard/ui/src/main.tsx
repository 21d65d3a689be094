import { render } from 'preact';
import { takeTokenFromAddress } from './api';
import { App } from './app';
import './styles.css';

takeTokenFromAddress();
render(<App />, document.getElementById('app')!);
