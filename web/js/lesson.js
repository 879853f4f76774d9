// A lesson on the page: its title, story, question and what to look for,
// and one button per run that loads that run's architecture and scenario.
// Built with dom.js, so a lesson's text is never parsed as HTML.

import { h } from './dom.js';

// The lesson panel's children (a flat list, nothing null); onRun(run) loads a run.
export function lessonPanel(lesson, onRun, current) {
  if (!lesson) return [];
  const runs = lesson.runs.map((r) => {
    const label = `${r.name}: ${r.architecture}${r.scenario ? ` + ${r.scenario}` : ''}`;
    const b = h('button', { class: r.name === current ? 'run current' : 'run', 'data-run': r.name }, label);
    b.onclick = () => onRun(r);
    return b;
  });
  const answer = lesson.answer
    ? h('details', null, h('summary', null, 'answer'), h('p', null, lesson.answer))
    : null;
  return [
    h('h2', null, lesson.title),
    lesson.story.map((p) => h('p', null, p)),
    h('p', { class: 'question' }, h('strong', null, 'Question: '), lesson.question),
    lesson.look_for?.length ? h('ul', null, lesson.look_for.map((l) => h('li', null, l))) : null,
    h('div', { class: 'runs' }, runs),
    answer,
  ].flat().filter(Boolean);
}

// The run a lesson starts with: the first.
export const firstRun = (lesson) => lesson?.runs?.[0] ?? null;
