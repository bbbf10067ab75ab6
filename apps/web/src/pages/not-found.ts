import { h } from '../dom';
import type { Page } from './page';

export function createNotFoundPage(): Page {
  const heading = h('h1', { attrs: { tabindex: -1 } }, 'Page not found');
  return {
    element: h('div', { class: 'page' }, heading, h('p', {}, 'There is nothing at this address. ', h('a', { attrs: { href: '#/' } }, 'Go to your images'), '.')),
    title: 'Not found',
    heading,
  };
}
