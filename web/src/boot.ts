// The app proper, loaded by main.ts once the first page of the list is on its way.
import { mount } from 'svelte';
import App from './App.svelte';
import './app.css';

mount(App, { target: document.getElementById('app')! });
