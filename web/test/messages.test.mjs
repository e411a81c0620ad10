// What the page says when something fails: words, places as page › entity
// › property, no status codes, no store or file paths.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { changePlace, clean, explain, place, places } from '../src/messages.js';

const appId = '6b0d80ee2a6987d1ca91f7e3';
const noCodeNoPath = (s) => {
  assert.doesNotMatch(s, /\b[1-5]\d\d\b/, `a status code in ${s}`);
  assert.doesNotMatch(s, /\/|\.json\b|rts-store|newPage|newAction/, `a path in ${s}`);
};

test('places read page › entity › property', () => {
  assert.equal(place('Users', 'UsersTable', 'tableData'), 'Users › UsersTable › tableData');
  assert.equal(place('Users', 'Users', 'layoutOnLoadActions'), 'Users › layoutOnLoadActions');
  assert.equal(changePlace('Users', { entity: 'getUsers', path: '' }), 'Users › getUsers');
  assert.deepEqual(places('Home', ['Table1.primaryColumns.name.computedValue', 'Utils', 'page Other', 'pages/Home/widgets/Table1.json', 'rts-store/x/newPage-y.json']), [
    'Home › Table1 › primaryColumns.name.computedValue',
    'Home › Utils',
    'page Other',
  ]);
});

test('messages lose store prefixes, paths and ids', () => {
  assert.equal(clean(`store: not found: no page "Nope" in app ${appId}`, { appId, appName: 'Demo' }), 'No page "Nope" in app Demo.');
  assert.equal(clean('x is taken: pages/Home/widgets/x.json', { where: ['pages/Home/widgets/x.json'] }), 'X is taken.');
});

test('every failure in words', () => {
  const cases = [
    [{ status: 0, message: 'Failed to fetch' }, /cannot be reached/],
    [{ status: 401, message: 'Unauthorized' }, /secret/],
    [
      {
        status: 409,
        message: `"UsersTable" is already the name of widget UsersTable on page "Users": rts-store/${appId}/newPage-6b0d80ee2a6987d1ca91f7e4.json`,
        data: { where: [`rts-store/${appId}/newPage-6b0d80ee2a6987d1ca91f7e4.json`] },
      },
      /^"UsersTable" is already the name of widget UsersTable on page "Users"\.$/,
    ],
    [{ status: 400, message: 'cannot rename to "1x": not a valid JavaScript identifier' }, /^Cannot rename to "1x": not a valid JavaScript identifier\.$/],
    [{ status: 404, message: `store: not found: application "${appId}"` }, /^The app Demo is not in the store any more/],
    [{ status: 404, message: `store: not found: no page "Nope" in app ${appId}` }, /^No page "Nope" in app Demo\.$/],
    [{ status: 500, message: 'Something went wrong' }, /log/],
    [{ status: 503, message: 'The store is unavailable: store: unavailable: timeout' }, /try again/],
    [{ status: 503, message: 'The apps API needs a store; this server runs without one' }, /without a store/],
  ];
  for (const [err, want] of cases) {
    const { text } = explain(err, { appId, appName: 'Demo', page: 'Users' });
    assert.match(text, want);
    noCodeNoPath(text);
  }
});

test('a concurrent change names what the preview showed in the changed documents', () => {
  const err = {
    status: 409,
    message: 'store: rename conflict: changed since read: newAction/6b0d80ee2a6987d1ca91f7e6, newPage/6b0d80ee2a6987d1ca91f7e4',
    data: { documents: ['newAction/6b0d80ee2a6987d1ca91f7e6', 'newPage/6b0d80ee2a6987d1ca91f7e4'] },
  };
  const preview = {
    changes: [
      { entity: 'getUsers', path: 'name', kind: 'name', document: 'newAction/6b0d80ee2a6987d1ca91f7e6' },
      { entity: 'UsersTable', path: 'tableData', kind: 'reference', document: 'newPage/6b0d80ee2a6987d1ca91f7e4' },
      { entity: 'Users', path: 'layoutOnLoadActions', kind: 'key', document: 'newPage/6b0d80ee2a6987d1ca91f7e4' },
    ],
  };
  const { text, places: where } = explain(err, { page: 'Users', preview });
  assert.match(text, /Someone else changed this app.*nothing was renamed/);
  noCodeNoPath(text);
  assert.deepEqual(where, ['Users › getUsers', 'Users › UsersTable', 'Users']);
  // Without a preview: how many documents, still no paths.
  const bare = explain(err, { page: 'Users' });
  assert.match(bare.text, /2 documents/);
  noCodeNoPath(bare.text);
});
