// The page's pure parts: the graph model and the rename diffs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ancestors,
  buildModel,
  collapseLevels,
  containers,
  dependencies,
  entityOf,
  groupDependents,
  neighbourhood,
  normalizeApps,
  representative,
  rootOf,
} from '../src/model.js';
import { changedSpan, lineDiff } from '../src/diff.js';

const report = {
  app: 'tiny',
  pages: [
    {
      name: 'Home',
      entities: [
        { name: 'Input1', kind: 'widget', type: 'INPUT_WIDGET_V2' },
        { name: 'Input2', kind: 'widget', type: 'INPUT_WIDGET_V2' },
        { name: 'Table1', kind: 'widget', type: 'TABLE_WIDGET_V2' },
        { name: 'Text9', kind: 'widget', type: 'TEXT_WIDGET' },
        { name: 'getUsers', kind: 'action', type: 'API' },
        { name: 'Utils', kind: 'jsobject' },
      ],
      cycles: [['Input1.defaultText', 'Input2.defaultText', 'Input1.defaultText']],
      unknown: [{ from: 'Utils.other', ref: 'Text1.text', reason: 'other-page', page: 'Page2' }],
      unused: ['Text9'],
    },
  ],
  edges: [
    { page: 'Home', from: 'Input1.defaultText', to: 'Input2.text', kind: 'binding' },
    { page: 'Home', from: 'Input2.defaultText', to: 'Input1.text', kind: 'binding' },
    { page: 'Home', from: 'Table1.tableData', to: 'getUsers.data.users', kind: 'binding' },
    { page: 'Home', from: 'Table1.onPageChange', to: 'getUsers.run', kind: 'trigger' },
    { page: 'Home', from: 'Table1.onRowSelected', to: 'Table1.selectedRow.id', kind: 'trigger' },
    { page: 'Home', from: 'getUsers.config.body', to: 'Input1.text', kind: 'action' },
    { page: 'Home', from: 'Utils.select', to: 'Utils["run"]', kind: 'jsobject' },
    { page: 'Home', from: 'Utils.peek', to: 'Input1.text', kind: 'jsobject' },
  ],
};

test('roots and entities of names', () => {
  assert.equal(rootOf('Api1.data.users'), 'Api1');
  assert.equal(rootOf('Api1[0].x'), 'Api1');
  assert.equal(rootOf('Api1'), 'Api1');
  assert.equal(entityOf('Table1.primaryColumns.first name.computedValue'), 'Table1');
});

test('one pair per entity pair; self pairs drawn only on cycles', () => {
  const m = buildModel(report, 'Home');
  assert.equal(m.entities.size, 6);
  const drawn = [...m.pairs.values()].filter((p) => p.drawn).map((p) => p.id).sort();
  assert.deepEqual(drawn, ['Input1→Input2', 'Input2→Input1', 'Table1→getUsers', 'Utils→Input1', 'getUsers→Input1'].sort());
  const t = m.pairs.get('Table1→getUsers');
  assert.equal(t.bindings.length, 2);
  assert.equal(t.trigger, false, 'a pair with one non-trigger binding is solid');
  assert.ok(m.pairs.get('Input1→Input2').cycle);
  assert.ok(m.entities.get('Input1').cycle && m.entities.get('Input2').cycle);
  assert.ok(m.pairs.get('Table1→Table1').self && !m.pairs.get('Table1→Table1').drawn);
  assert.equal(m.entities.get('Text9').connected, false);
  assert.ok(m.entities.get('Text9').unused);
  assert.equal(m.entities.get('Utils').kind, 'jsobject');
});

test('a self cycle is drawn', () => {
  const r = structuredClone(report);
  r.pages[0].cycles = [['Text9.text', 'Text9.text']];
  r.edges.push({ page: 'Home', from: 'Text9.text', to: 'Text9.text.length', kind: 'binding' });
  const m = buildModel(r, 'Home');
  assert.ok(m.pairs.get('Text9→Text9').drawn);
  assert.ok(m.entities.get('Text9').connected);
});

test('dependencies: transitive, nearest first, with the path', () => {
  const m = buildModel(report, 'Home');
  const d = dependencies(m, 'Table1');
  assert.deepEqual(d.map((x) => x.entity), ['getUsers', 'Input1', 'Input2']);
  assert.deepEqual(d[2].path.map((p) => p.id), ['Table1→getUsers', 'getUsers→Input1', 'Input1→Input2']);
  assert.deepEqual(dependencies(m, 'Text9'), []);
});

test('dependents grouped by entity, the entity itself left out', () => {
  const g = groupDependents(
    [
      { node: 'Table1.tableData', via: ['getUsers', 'Table1.tableData'] },
      { node: 'getUsers.config.body', via: ['x'] },
      { node: 'Table1.onPageChange', via: [] },
      { node: 'Input1.defaultText', via: [] },
    ],
    'Input1',
  );
  assert.deepEqual([...g.keys()], ['Table1', 'getUsers']);
  assert.equal(g.get('Table1').length, 2);
});

test('apps: pages as names, objects or a count', () => {
  assert.deepEqual(normalizeApps([{ id: 'a', name: 'A', pages: ['P1', { name: 'P2' }] }, { id: 7, name: 'B', pages: 3 }]), [
    { id: 'a', name: 'A', pages: ['P1', 'P2'] },
    { id: '7', name: 'B', pages: null },
  ]);
  assert.deepEqual(normalizeApps({ apps: [{ id: 'x' }] }), [{ id: 'x', name: 'x', pages: null }]);
  assert.deepEqual(normalizeApps(null), []);
});

test('diffs mark the renamed word', () => {
  assert.deepEqual(changedSpan('{{Input1.text}}', '{{NameInput.text}}'), [2, 8, 2, 11]);
  const rows = lineDiff('{{Input1.text}}', '{{NameInput.text}}');
  assert.deepEqual(rows, [
    { op: '-', text: '{{Input1.text}}', mark: [2, 8] },
    { op: '+', text: '{{NameInput.text}}', mark: [2, 11] },
  ]);
  const body = ['export default {', '  a: 1,', '  b: 2,', '  peek () { return Input1.text },', '  c: 3,', '  d: 4,', '}'].join('\n');
  const rows2 = lineDiff(body, body.replace('Input1', 'NameInput'));
  assert.deepEqual(rows2.map((r) => r.op), ['…', ' ', '-', '+', ' ', '…']);
  // Lines added or removed fall back to a real line diff.
  const rows3 = lineDiff('a\nb\nc', 'a\nB\nb\nc');
  assert.deepEqual(rows3.map((r) => r.op + r.text), [' a', '+B', ' b', '…1 unchanged line']);
  // A long line is clipped around the change.
  const long = `{{${'x'.repeat(500)} + Input1.text + ${'y'.repeat(500)}}}`;
  const [del] = lineDiff(long, long.replace('Input1', 'Foo'));
  assert.ok(del.text.length < 200);
  assert.equal(del.text.slice(del.mark[0], del.mark[1]), 'Input1');
});

// A page with nested containers: Modal1 ⊃ Form1 ⊃ {NameInput, SaveButton};
// Modal1 ⊃ Title; Table1 on the main canvas.
const nested = {
  pages: [
    {
      name: 'P',
      entities: [
        { name: 'Modal1', kind: 'widget' },
        { name: 'Form1', kind: 'widget', parent: 'Modal1' },
        { name: 'NameInput', kind: 'widget', parent: 'Form1' },
        { name: 'SaveButton', kind: 'widget', parent: 'Form1' },
        { name: 'Title', kind: 'widget', parent: 'Modal1' },
        { name: 'Table1', kind: 'widget' },
        { name: 'Stray', kind: 'widget', parent: 'NotOnThePage' },
        { name: 'save', kind: 'action' },
        { name: 'load', kind: 'action' },
      ],
    },
  ],
  edges: [
    { page: 'P', from: 'save.config.body', to: 'NameInput.text', kind: 'action' },
    { page: 'P', from: 'SaveButton.onClick', to: 'save.run', kind: 'trigger' },
    { page: 'P', from: 'Table1.tableData', to: 'load.data', kind: 'binding' },
    { page: 'P', from: 'Title.text', to: 'Table1.selectedRow.name', kind: 'binding' },
  ],
};

test('containers: depth, members, representatives and levels', () => {
  const m = buildModel(nested, 'P');
  assert.equal(m.entities.get('Stray').parent, null, 'a container that is not on the page is none');
  const c = containers(m);
  assert.deepEqual(Object.fromEntries(c.depth), { Modal1: 0, Form1: 1 });
  assert.deepEqual(c.members.get('Modal1'), ['Form1', 'NameInput', 'SaveButton', 'Title']);
  assert.equal(c.maxDepth, 1);
  assert.deepEqual(ancestors(m, 'NameInput'), ['Form1', 'Modal1']);
  assert.equal(representative(m, 'NameInput', new Set(['Form1'])), 'Form1');
  assert.equal(representative(m, 'NameInput', new Set(['Form1', 'Modal1'])), 'Modal1', 'the outermost closed one');
  assert.equal(representative(m, 'NameInput', new Set()), 'NameInput');
  assert.equal(representative(m, 'Table1', new Set(['Modal1'])), 'Table1');
  assert.deepEqual(
    collapseLevels(m).map((s) => [...s].sort()),
    [[], ['Form1'], ['Form1', 'Modal1']],
  );
});

test('neighbourhood: to N steps both ways, event handlers optional', () => {
  const m = buildModel(nested, 'P');
  assert.deepEqual([...neighbourhood(m, 'save', 1)].sort(), ['NameInput', 'SaveButton', 'save']);
  assert.deepEqual([...neighbourhood(m, 'save', 1, { triggers: false })].sort(), ['NameInput', 'save']);
  assert.deepEqual([...neighbourhood(m, 'Title', 2)].sort(), ['Table1', 'Title', 'load']);
  assert.deepEqual([...neighbourhood(m, 'Title', 1)].sort(), ['Table1', 'Title']);
});
