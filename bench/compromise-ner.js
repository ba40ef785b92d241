// compromise-ner.js: the compromise npm package's people, organisations
// and places on the documents bench/eval-ner gives it (separated by a line
// holding only a form feed), for the comparison with newsdesk on the same
// text. Prints "doc<TAB>start<TAB>end<TAB>PER|ORG|LOC" per mention (UTF-16
// offsets, which equal code points on this text), then one JSON line with
// the seconds that `passes` passes of the same work took.
'use strict';
const fs = require('fs');
const nlp = require('compromise');

const [file, passesArg] = process.argv.slice(2);
const passes = Math.max(1, parseInt(passesArg || '1', 10));
const docs = fs.readFileSync(file, 'utf8').split('\n\f\n');
const TRIM = ' \t\n.,;:!?\'"()[]\u2019\u201d\u201c';
const kinds = [['people', 'PER'], ['organizations', 'ORG'], ['places', 'LOC']];

function extract(text) {
  const doc = nlp(text);
  const out = [];
  for (const [method, type] of kinds) {
    for (const m of doc[method]().json({ offset: true })) {
      if (!m.offset) continue;
      // compromise's spans carry the punctuation after the last word
      // ("Paris, France."); trim it so exact-span scoring is fair.
      let s = m.offset.start, e = m.offset.start + m.offset.length;
      while (e > s && TRIM.includes(text[e - 1])) e--;
      while (s < e && TRIM.includes(text[s])) s++;
      if (e > s) out.push([s, e, type]);
    }
  }
  return out;
}

const lines = [];
docs.forEach((text, i) => {
  for (const [s, e, t] of extract(text)) lines.push(`${i}\t${s}\t${e}\t${t}`);
});
const t0 = process.hrtime.bigint();
for (let p = 0; p < passes; p++) for (const text of docs) extract(text);
const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
process.stdout.write(lines.join('\n') + (lines.length ? '\n' : ''));
process.stdout.write(JSON.stringify({ passes, seconds }) + '\n');
