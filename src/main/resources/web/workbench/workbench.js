/* The rules workbench's draft page: the decision tables as grids, each edit saved and checked as
   you type, every problem shown on its cell, the scenarios before and after. No library: plain DOM. */
(function () {
  'use strict';
  var main = document.getElementById('main');
  var draftId = main.getAttribute('data-draft');
  var editable = main.getAttribute('data-editable') === 'true';
  var csrf = document.querySelector('meta[name=csrf]').getAttribute('content');
  var NUMBER = /^-?(\d+(\.\d*)?|\.\d+)$/;
  var files = {};
  var timers = {};
  var sequence = 0;

  function el(tag, attributes, text) {
    var node = document.createElement(tag);
    Object.keys(attributes || {}).forEach(function (name) { node.setAttribute(name, attributes[name]); });
    if (text !== undefined && text !== null) { node.textContent = text; }
    return node;
  }

  function cellValue(rows, row, column) {
    var cells = rows[row - 1] || [];
    return column <= cells.length ? cells[column - 1] : '';
  }

  function cellAt(file, row, column) {
    return document.querySelector('td[data-file="' + file + '"][data-row="' + row + '"][data-col="' + column + '"]');
  }

  function render(data) {
    var grids = document.getElementById('grids');
    grids.textContent = '';
    var index = grids.appendChild(el('nav', {'aria-label': 'Tables', 'class': 'files'})).appendChild(el('ul'));
    data.files.forEach(function (file) {
      files[file.path] = file;
      var id = 'file-' + file.path.replace(/\W/g, '-');
      index.appendChild(el('li')).appendChild(el('a', {href: '#' + id},
        file.path + ': ' + file.tables.map(function (t) { return t.name; }).join(', ')));
      var section = el('section', {'class': 'file', 'aria-label': file.path, id: id});
      section.appendChild(el('h3', {}, file.path));
      file.tables.forEach(function (table) { section.appendChild(grid(file, table)); });
      grids.appendChild(section);
    });
  }

  /** The download links and the upload form's choice of table, one per table file. */
  function spreadsheets(data) {
    var list = document.getElementById('downloads');
    var choice = document.getElementById('upload-table');
    var form = document.getElementById('upload-form');
    data.files.forEach(function (file) {
      list.appendChild(el('li')).appendChild(el('a', {href: '/workbench/drafts/' + draftId + '/xlsx/' + file.path},
        file.path + ' as .xlsx'));
      if (choice) { choice.appendChild(el('option', {value: file.path}, file.path)); }
    });
    if (form) {
      var target = function () { form.setAttribute('action', '/workbench/drafts/' + draftId + '/xlsx/' + choice.value); };
      choice.addEventListener('change', target);
      target();
    }
  }

  function grid(file, table) {
    var wrap = el('div', {'class': 'grid-wrap'});
    var t = el('table', {'class': 'grid', 'data-table': table.name});
    t.appendChild(el('caption', {}, 'Table ' + table.name + ' (' + file.path + ')'));
    var head = el('tr');
    head.appendChild(el('th', {scope: 'col'}, 'Row'));
    var rowsOpen = editable && !table.fixedRows;
    table.columns.forEach(function (column) {
      var th = el('th', {scope: 'col', 'class': column.editable ? '' : 'locked'}, column.name);
      if (column.required) { th.appendChild(el('span', {'class': 'required'}, ' (required)')); }
      head.appendChild(th);
    });
    if (rowsOpen) { head.appendChild(el('th', {scope: 'col'}, 'Row')); }
    t.appendChild(el('thead')).appendChild(head);
    var body = t.appendChild(el('tbody'));
    for (var row = table.firstRow; row <= table.lastRow; row++) {
      var tr = el('tr', {'data-row': row});
      var label = cellValue(file.rows, row, table.idColumn || table.columns[0].index);
      tr.appendChild(el('th', {scope: 'row'}, String(row)));
      table.columns.forEach(function (column) { tr.appendChild(cell(file, table, column, row, label)); });
      if (rowsOpen && table.firstRow < table.lastRow) { tr.appendChild(el('td')).appendChild(removeButton(file, row, label)); }
      body.appendChild(tr);
    }
    wrap.appendChild(t);
    if (rowsOpen) {
      wrap.appendChild(addRowForm(file, table));
    } else if (editable && table.fixedRows) {
      wrap.appendChild(el('p', {'class': 'hint fixed-rows'}, 'Rows of ' + table.name + ' cannot be added or removed: ' + table.fixedRows + '.'));
    }
    return wrap;
  }

  function removeButton(file, row, label) {
    var button = el('button', {type: 'button', 'class': 'remove-row', 'aria-label': 'Remove row ' + row + (label ? ' (' + label + ')' : '')}, 'Remove');
    button.addEventListener('click', function () { changeRows({path: file.path, remove: row}); });
    return button;
  }

  /** Adds a copy of a chosen row below it, with a new id where each row has its own; its Source is left to fill. */
  function addRowForm(file, table) {
    var id = 'add-' + file.path.replace(/\W/g, '-') + '-' + table.name;
    var form = el('form', {'class': 'add-row', id: id});
    var p = form.appendChild(el('p'));
    p.appendChild(el('label', {'for': id + '-after'}, 'Add a row to ' + table.name + ': a copy of row '));
    var after = p.appendChild(el('select', {id: id + '-after', name: 'after'}));
    for (var row = table.firstRow; row <= table.lastRow; row++) {
      var label = cellValue(file.rows, row, table.idColumn || table.columns[0].index);
      var option = after.appendChild(el('option', {value: row}, row + (label ? ' (' + label + ')' : '')));
      if (row === table.lastRow) { option.selected = true; }
    }
    var idColumn = table.columns.filter(function (c) { return c.index === table.idColumn; })[0];
    var idInput = el('input', {id: id + '-id', name: 'id', size: 20});
    if (idColumn) {
      p.appendChild(el('label', {'for': id + '-id'}, ' below it, with ' + idColumn.name + (table.uniqueIds ? ' (a new one) ' : ' (empty: the same) ')));
      p.appendChild(idInput);
      if (table.uniqueIds) { idInput.setAttribute('required', 'required'); }
    }
    p.appendChild(el('button', {type: 'submit'}, 'Add the row'));
    p.appendChild(el('span', {'class': 'hint'}, ' Its Source is left empty: fill it in.'));
    form.addEventListener('submit', function (event) {
      event.preventDefault();
      changeRows({path: file.path, after: parseInt(after.value, 10), id: idInput.value});
    });
    return form;
  }

  function changeRows(body) {
    var mine = ++sequence;
    main.setAttribute('data-checked', 'pending');
    document.getElementById('check-summary').textContent = 'Checking...';
    post('/rows', body).then(function (answer) {
      render({files: answer.files});
      if (mine !== sequence) { return; }
      show(answer.check);
      if (answer.check.compiles) { runScenarios(mine); }
    }).catch(function (e) {
      main.setAttribute('data-checked', 'refused');
      document.getElementById('check-summary').textContent = 'Not changed: ' + e.message;
    });
  }

  function cell(file, table, column, row, label) {
    var value = cellValue(file.rows, row, column.index);
    var td = el('td', {'data-file': file.path, 'data-row': row, 'data-col': column.index, 'data-type': column.type});
    if (!column.editable || !editable) {
      td.className = column.editable ? 'readonly' : 'locked';
      td.textContent = value;
      return td;
    }
    var name = column.name + ', row ' + row + (label ? ' (' + label + ')' : '');
    var input;
    if (column.type === 'choice') {
      input = el('select', {'aria-label': name});
      var choices = column.choices.slice();
      if (choices.indexOf(value) < 0) { choices.push(value); }
      choices.forEach(function (choice) {
        var option = el('option', {value: choice}, choice === '' ? '(any)' : choice);
        if (choice === value) { option.selected = true; }
        input.appendChild(option);
      });
      input.addEventListener('change', function () { edited(file, td, input, column, row); });
    } else {
      input = el('input', {type: 'text', 'aria-label': name, value: value, spellcheck: column.type === 'text' ? 'true' : 'false'});
      if (column.type === 'number') { input.setAttribute('inputmode', 'decimal'); }
      if (column.required) { input.setAttribute('aria-required', 'true'); }
      input.addEventListener('input', function () { edited(file, td, input, column, row); });
      input.addEventListener('keydown', function (event) { move(event, file.path, row, column.index); });
    }
    td.appendChild(input);
    return td;
  }

  /** Up and down arrows move to the same column of the row above or below. */
  function move(event, path, row, column) {
    if (event.key !== 'ArrowUp' && event.key !== 'ArrowDown') { return; }
    var next = cellAt(path, row + (event.key === 'ArrowUp' ? -1 : 1), column);
    var input = next && next.querySelector('input, select');
    if (input) { event.preventDefault(); input.focus(); }
  }

  function edited(file, td, input, column, row) {
    var cells = file.rows[row - 1];
    while (cells.length < column.index) { cells.push(''); }
    cells[column.index - 1] = input.value;
    var local = column.type === 'number' && input.value !== '' && !NUMBER.test(input.value.trim())
      ? 'type a number, with a point for decimals (0.05), no % sign or words'
      : column.required && input.value.trim() === '' ? 'every row needs a Source: where this comes from' : null;
    mark(td, 'local', local);
    main.setAttribute('data-checked', 'pending');
    clearTimeout(timers[file.path]);
    document.getElementById('check-summary').textContent = 'Checking...';
    timers[file.path] = setTimeout(function () { save(file); }, 200);
  }

  function save(file) {
    var mine = ++sequence;
    fetch('/workbench/api/drafts/' + draftId + '/files', {
      method: 'POST', credentials: 'same-origin',
      headers: {'Content-Type': 'application/json', 'X-CSRF-Token': csrf},
      body: JSON.stringify({path: file.path, rows: file.rows})
    }).then(function (response) {
      return response.json().then(function (body) { return {ok: response.ok, body: body}; });
    }).then(function (answer) {
      if (mine !== sequence) { return; }
      if (!answer.ok) {
        var issue = (answer.body.issue || [{}])[0];
        document.getElementById('check-summary').textContent = 'Not saved: ' + (issue.diagnostics || 'the service refused the change');
        return;
      }
      show(answer.body);
      if (answer.body.compiles) { runScenarios(mine); }
    }).catch(function () {
      document.getElementById('check-summary').textContent = 'Not saved: the service cannot be reached. Your change is kept in this page; edit again to retry.';
    });
  }

  /** The scenarios of the draft as saved, after its rules compiled: shown unless a newer edit came since. */
  function runScenarios(mine) {
    fetch('/workbench/api/drafts/' + draftId + '/check', {credentials: 'same-origin'})
      .then(function (response) { return response.json(); })
      .then(function (check) { if (mine === sequence) { show(check); } })
      .catch(function () { document.getElementById('check-summary').textContent = 'The scenarios could not be run: edit again to retry.'; });
  }

  /** Marks a cell with a problem of a kind (local, check, scenarios), or clears that kind when message is null. */
  function mark(td, kind, message) {
    var old = td.querySelector('.cell-problem[data-kind="' + kind + '"]');
    if (old) { old.parentNode.removeChild(old); }
    if (message) {
      var id = 'p-' + td.getAttribute('data-file').replace(/\W/g, '') + '-' + td.getAttribute('data-row') + '-' + td.getAttribute('data-col') + '-' + kind;
      var note = el('span', {'class': 'cell-problem', 'data-kind': kind, id: id, role: 'note'}, message);
      td.appendChild(note);
    }
    var notes = td.querySelectorAll('.cell-problem');
    td.classList.toggle('problem', notes.length > 0);
    var input = td.querySelector('input, select');
    if (input) {
      if (notes.length > 0) {
        input.setAttribute('aria-invalid', 'true');
        input.setAttribute('aria-describedby', Array.prototype.map.call(notes, function (n) { return n.id; }).join(' '));
      } else {
        input.removeAttribute('aria-invalid');
        input.removeAttribute('aria-describedby');
      }
    }
  }

  function show(check) {
    document.querySelectorAll('td[data-file]').forEach(function (td) {
      mark(td, 'check', null);
      mark(td, 'scenarios', null);
      td.classList.remove('changed');
      td.removeAttribute('title');
    });
    var changed = [];
    check.changes.forEach(function (change) {
      if (!change.row) { return; }
      if (change.rowChange === 'added') {
        document.querySelectorAll('td[data-file="' + change.file + '"][data-row="' + change.row + '"]').forEach(function (cell) { cell.classList.add('changed'); });
        return;
      }
      var td = cellAt(change.file, change.row, change.column);
      if (td) {
        td.classList.add('changed');
        td.setAttribute('title', 'live rules: ' + (change.before === '' ? '(empty)' : change.before));
        changed.push(td);
      }
    });
    var problems = document.getElementById('problems');
    problems.textContent = '';
    if (check.problems.length) {
      var list = problems.appendChild(el('ul', {id: 'problem-list'}));
      check.problems.forEach(function (problem) {
        list.appendChild(el('li', {}, problem.where + ': ' + problem.message + (problem.hint ? ' (hint: ' + problem.hint + ')' : '')));
        var td = problemCell(problem);
        if (td) { mark(td, 'check', problem.message + (problem.hint ? ' Hint: ' + problem.hint : '')); }
      });
    }
    var failing = check.scenariosRun ? check.scenarios.filter(function (s) { return !s.passed; }) : [];
    if (failing.length) {
      var message = failing.length + (failing.length === 1 ? ' scenario fails' : ' scenarios fail') + ' with the changes: '
        + failing.map(function (s) { return s.name + ' (' + s.failures.join('; ') + ')'; }).join(' | ');
      changed.forEach(function (td) { mark(td, 'scenarios', message); });
    }
    document.querySelectorAll('tr.uncovered').forEach(function (tr) { tr.classList.remove('uncovered'); tr.removeAttribute('title'); });
    var unreached = [];
    (check.uncovered || []).forEach(function (u) {
      var td = u.file ? cellAt(u.file, u.row, 1) : null;
      var tr = td ? td.parentNode : null;
      if (tr) {
        tr.classList.add('uncovered');
        tr.setAttribute('title', 'no scenario reaches this row: add one that does');
        tr.firstChild.textContent = u.row + ' (no scenario)';
      }
      unreached.push(u.file ? u.file + ' row ' + u.row : u.rule);
    });
    var coverage = document.getElementById('coverage');
    if (coverage) {
      coverage.textContent = !check.scenariosRun ? '' : unreached.length
        ? 'No scenario reaches these rows, so nothing tests them: ' + unreached.join(', ') + '.'
        : 'Every row that runs for a patient is reached by at least one scenario.';
    }
    summary(check, failing.length);
    changes(check);
    references(check);
    scenarios(check);
    var submit = document.getElementById('submit');
    if (submit) { submit.disabled = !check.publishable; }
    main.setAttribute('data-checked', check.scenariosRun ? 'scenarios' : 'rules');
  }

  /** The cell a problem names; a problem of a whole row goes to its Source when it is about the Source. */
  function problemCell(problem) {
    if (!problem.row) { return null; }
    if (problem.column) { return cellAt(problem.file, problem.row, problem.column); }
    return document.querySelector('td[data-file="' + problem.file + '"][data-row="' + problem.row + '"]');
  }

  function summary(check, failing) {
    var text;
    if (!check.compiles) {
      text = 'The rules do not compile: ' + check.problems.length + (check.problems.length === 1 ? ' problem' : ' problems') + ', shown on the cells and listed below.';
    } else if (check.problems.length) {
      text = 'The rules compile, but ' + check.problems.length + ' problem(s) remain, listed below.';
    } else if (!check.scenariosRun) {
      text = 'The rules compile: version ' + check.version.after + '. Running the scenarios...';
    } else {
      text = 'The rules compile: version ' + check.version.after + '. ' + check.passed + ' of ' + (check.passed + check.failed)
        + ' scenarios pass (live rules, version ' + check.version.before + ': ' + check.beforePassed + ').';
      if (failing) { text += ' ' + failing + ' failing: see the scenarios and the marked cells.'; }
      if (check.publishable) { text += editable ? ' Ready to submit.' : ' Every check passes.'; }
    }
    text += ' (checked in ' + check.millis + ' ms)';
    var node = document.getElementById('check-summary');
    node.textContent = text;
    node.className = check.publishable ? 'ok' : 'bad';
  }

  function changes(check) {
    var box = document.getElementById('changes');
    box.textContent = '';
    if (!check.changes.length) { box.appendChild(el('p', {}, 'None yet: the draft is the live rules.')); return; }
    box.appendChild(el('p', {}, 'Version ' + check.version.before + ' now; ' + (check.version.after || '(does not compile)') + ' with this draft.'));
    var t = box.appendChild(el('table', {id: 'change-list'}));
    var head = el('tr');
    ['File', 'Table', 'Row', 'Column', 'Live rules', 'This draft'].forEach(function (h) { head.appendChild(el('th', {scope: 'col'}, h)); });
    t.appendChild(el('thead')).appendChild(head);
    var body = t.appendChild(el('tbody'));
    check.changes.forEach(function (c) {
      var tr = el('tr');
      if (c.whole) {
        tr.appendChild(el('td', {}, c.file));
        tr.appendChild(el('td', {colspan: 5}, 'file ' + c.whole));
      } else if (c.rowChange) {
        [c.file, c.table, c.row + ' (' + c.rowLabel + ')', 'row ' + c.rowChange].forEach(function (v) { tr.appendChild(el('td', {}, v)); });
        tr.appendChild(el('td', {'class': 'before'}, c.before));
        tr.appendChild(el('td', {'class': 'after'}, c.after));
      } else {
        [c.file, c.table, c.row + ' (' + c.rowLabel + ')', c.columnName].forEach(function (v) { tr.appendChild(el('td', {}, v)); });
        tr.appendChild(el('td', {'class': 'before'}, c.before));
        tr.appendChild(el('td', {'class': 'after'}, c.after));
      }
      body.appendChild(tr);
    });
  }

  /** MODEL.md's reference cases, on the live rules and on the draft. */
  function references(check) {
    var box = document.getElementById('references');
    if (!box || !check.references) { return; }
    box.textContent = '';
    var t = box.appendChild(el('table', {id: 'reference-list'}));
    var head = el('tr');
    ['Reference case (docs/MODEL.md), T12 after PVP', 'Live rules', 'This draft'].forEach(function (h) { head.appendChild(el('th', {scope: 'col'}, h)); });
    t.appendChild(el('thead')).appendChild(head);
    var body = t.appendChild(el('tbody'));
    check.references.forEach(function (r) {
      var tr = body.appendChild(el('tr', {'class': r.changed ? 'changed' : ''}));
      tr.appendChild(el('td', {}, r.name));
      tr.appendChild(el('td', {}, r.before));
      tr.appendChild(el('td', {}, r.after + (r.changed ? ' (changed)' : '')));
    });
  }

  function scenarios(check) {
    var box = document.getElementById('scenarios');
    box.textContent = '';
    if (!check.scenariosRun) {
      box.appendChild(el('p', {}, check.compiles ? 'Running the scenarios...' : 'The scenarios cannot run until the rules compile.'));
      return;
    }
    var sorted = check.scenarios.slice().sort(function (a, b) { return (a.passed ? 1 : 0) - (b.passed ? 1 : 0); });
    var t = box.appendChild(el('table', {id: 'scenario-list'}));
    var head = el('tr');
    var form = document.getElementById('scenario-form');
    var headings = ['Scenario', 'Where', 'Live rules', 'This draft', 'Why it fails'];
    if (form) { headings.push('Change'); }
    headings.forEach(function (h) { head.appendChild(el('th', {scope: 'col'}, h)); });
    t.appendChild(el('thead')).appendChild(head);
    var body = t.appendChild(el('tbody'));
    sorted.forEach(function (s) {
      var tr = el('tr', {'class': s.passed ? 'pass' : 'fail', 'data-where': s.where});
      tr.appendChild(el('td', {}, s.name));
      tr.appendChild(el('td', {}, s.where));
      tr.appendChild(el('td', {}, s.before === null ? 'new' : s.before ? 'pass' : 'FAIL'));
      tr.appendChild(el('td', {'class': 'result'}, s.passed ? 'pass' : 'FAIL'));
      tr.appendChild(el('td', {}, s.failures.join('; ')));
      if (form) {
        var button = el('button', {type: 'button', 'class': 'edit-scenario', 'aria-label': 'Edit the scenario ' + s.name}, 'Edit');
        button.addEventListener('click', function () { openScenario(s.where); });
        tr.appendChild(el('td')).appendChild(button);
      }
      body.appendChild(tr);
    });
  }

  /** The scenario form: a scenario of the draft in clinical terms, saved back into its file and checked. */
  var SCENARIO_FIELDS = ['where', 'name', 'level', 'phase', 'IVC', 'EPD', 'NPEC', 'RR', 'band', 'indicator', 'probability',
    'guidance', 'no guidance', 'notices', 'no notices', 'notes'];

  /** The scenario files a new scenario may go to (the draft's, and the one the workbench makes), the latter chosen. */
  var newScenarioFile = '';
  function scenarioFiles(data) {
    var choice = document.getElementById('sc-file');
    if (!choice) { return; }
    newScenarioFile = data.newScenarioFile;
    data.scenarioFiles.forEach(function (path) { choice.appendChild(el('option', {value: path}, path)); });
    choice.value = newScenarioFile;
  }

  function fillScenario(fields) {
    var form = document.getElementById('scenario-form');
    SCENARIO_FIELDS.forEach(function (name) {
      form.elements[name].value = fields[name] === undefined ? '' : fields[name];
      form.elements[name].removeAttribute('aria-invalid');
    });
    var kept = document.getElementById('sc-kept');
    kept.textContent = '';
    if (fields.kept && fields.kept.length) {
      kept.appendChild(el('p', {}, 'Also in this scenario, kept as written (change them in the file): '));
      var list = kept.appendChild(el('ul'));
      fields.kept.forEach(function (k) { list.appendChild(el('li', {}, k)); });
    }
    document.getElementById('scenario-form-title').textContent = fields.where ? 'Scenario at ' + fields.where : 'A new scenario';
    document.getElementById('sc-file-choice').hidden = !!fields.where;
    if (!fields.where) { form.elements.file.value = newScenarioFile; }
    document.getElementById('scenario-delete').hidden = !fields.where;
    form.hidden = false;
    form.elements.name.focus();
  }

  function openScenario(where) {
    fetch('/workbench/api/drafts/' + draftId + '/scenario?where=' + encodeURIComponent(where), {credentials: 'same-origin'})
      .then(function (response) { return response.json().then(function (body) { return {ok: response.ok, body: body}; }); })
      .then(function (answer) {
        if (!answer.ok) { throw new Error(refusal(answer.body)); }
        fillScenario(answer.body);
      })
      .catch(function (e) { document.getElementById('scenario-message').textContent = 'The scenario cannot be opened: ' + e.message; });
  }

  /** Every issue of a refusal, each in its words. */
  function refusal(body) {
    var texts = (body.issue || []).map(function (issue) {
      return issue.diagnostics || (issue.details && issue.details.text);
    }).filter(function (text) { return text; });
    return texts.length ? texts.join('; ') : 'refused';
  }

  function scenarioForm() {
    var form = document.getElementById('scenario-form');
    if (!form) { return; }
    var message = document.getElementById('scenario-message');
    var send = function (path, body, done) {
      var mine = ++sequence;
      main.setAttribute('data-checked', 'pending');
      message.textContent = 'Saving...';
      fetch('/workbench/api/drafts/' + draftId + path, {
        method: 'POST', credentials: 'same-origin',
        headers: {'Content-Type': 'application/json', 'X-CSRF-Token': csrf},
        body: JSON.stringify(body)
      }).then(function (response) {
        return response.json().then(function (answer) { return {ok: response.ok, body: answer}; });
      }).then(function (answer) {
        if (!answer.ok) {
          var named = (answer.body.issue || []).map(function (issue) { return (issue.expression || [])[0]; })
              .filter(function (field) { return field && form.elements[field]; });
          named.forEach(function (field) { form.elements[field].setAttribute('aria-invalid', 'true'); });
          if (named.length) { form.elements[named[0]].focus(); }
          main.setAttribute('data-checked', 'refused');
          message.textContent = 'Not saved: ' + refusal(answer.body);
          message.className = 'bad';
          return;
        }
        form.hidden = true;
        message.textContent = done;
        message.className = 'ok';
        if (mine === sequence) { show(answer.body); }
      }).catch(function () { message.textContent = 'Not saved: the service cannot be reached. Try again.'; });
    };
    form.addEventListener('submit', function (event) {
      event.preventDefault();
      var body = {};
      SCENARIO_FIELDS.forEach(function (name) { body[name] = form.elements[name].value; });
      if (!body.where) { body.file = form.elements.file.value; }
      send('/scenario', body, (body.where ? 'Saved the scenario at ' + body.where : 'Added the scenario to ' + body.file)
        + '; the scenarios ran again (see the list).');
    });
    document.getElementById('scenario-delete').addEventListener('click', function () {
      var where = form.elements.where.value;
      send('/scenario/delete', {where: where}, 'Deleted the scenario that was at ' + where + '.');
    });
    document.getElementById('scenario-close').addEventListener('click', function () { form.hidden = true; });
    document.getElementById('scenario-new').addEventListener('click', function () {
      fillScenario({level: 'L1', phase: 'post-operative', IVC: 'absent', EPD: 'absent', NPEC: 'none', RR: ''});
    });
  }
  scenarioForm();

  function patient() {
    var form = document.getElementById('preview-form');
    var value = function (name) { return form.elements[name].value; };
    var given = {level: value('level'), phase: value('phase'), IVC: value('IVC'), EPD: value('EPD')};
    // NPEC and RR are known only after PVP: a pre-operative preview is not sent them (the form greys them out).
    if (given.phase !== 'pre-operative') { given.NPEC = value('NPEC'); given.RR = value('RR'); }
    return given;
  }
  (function postOperativeOnly() {
    var form = document.getElementById('preview-form');
    if (!form) { return; }
    var toggle = function () {
      var before = form.elements.phase.value === 'pre-operative';
      form.elements.NPEC.disabled = before;
      form.elements.RR.disabled = before;
    };
    form.elements.phase.addEventListener('change', toggle);
    toggle();
  })();

  function post(path, body) {
    return fetch('/workbench/api/drafts/' + draftId + path, {
      method: 'POST', credentials: 'same-origin',
      headers: {'Content-Type': 'application/json', 'X-CSRF-Token': csrf},
      body: JSON.stringify(body)
    }).then(function (response) {
      return response.json().then(function (answer) {
        if (!response.ok) { throw new Error(refusal(answer)); }
        return answer;
      });
    });
  }

  /** A card's detail as an EHR shows its Markdown: paragraphs, lists, bold and italic; built as nodes, never as HTML. */
  function markdown(text) {
    var box = el('div', {'class': 'detail'});
    text.split(/\n\s*\n/).forEach(function (block) {
      var lines = block.split('\n');
      if (lines.every(function (line) { return /^\s*- /.test(line); })) {
        var list = box.appendChild(el('ul'));
        lines.forEach(function (line) { inline(list.appendChild(el('li')), line.replace(/^\s*- /, '')); });
      } else {
        inline(box.appendChild(el('p')), block);
      }
    });
    return box;
  }

  function inline(parent, text) {
    text.split(/(\*\*[^*]+\*\*|\*[^*]+\*)/).forEach(function (part) {
      if (/^\*\*[^*]+\*\*$/.test(part)) {
        parent.appendChild(el('strong', {}, part.slice(2, -2)));
      } else if (/^\*[^*]+\*$/.test(part)) {
        parent.appendChild(el('em', {}, part.slice(1, -1)));
      } else if (part) {
        parent.appendChild(document.createTextNode(part));
      }
    });
  }

  /** The card as the EHR shows it (summary, indicator, detail, links), and the rows that fired outlined. */
  function showPreview(answer) {
    var box = document.getElementById('preview-card');
    box.textContent = '';
    var card = answer.card;
    var article = box.appendChild(el('article', {'class': 'card indicator-' + card.indicator, id: 'card'}));
    article.appendChild(el('p', {'class': 'indicator'}, card.indicator));
    article.appendChild(el('h3', {id: 'card-summary'}, card.summary));
    article.appendChild(markdown(card.detail)).id = 'card-detail';
    var links = article.appendChild(el('ul'));
    (card.links || []).forEach(function (link) {
      links.appendChild(el('li')).appendChild(el('a', {href: link.url, target: '_blank', rel: 'noopener'}, link.label));
    });
    document.querySelectorAll('tr.fired').forEach(function (tr) { tr.classList.remove('fired'); });
    var rows = answer.fired.map(function (f) {
      var td = cellAt(f.file, f.row, 1);
      if (td) { td.parentNode.classList.add('fired'); }
      return f.file + ' row ' + f.row;
    });
    if (answer.leftOut && answer.leftOut.length) {
      box.appendChild(el('p', {id: 'left-out'}, 'Left out: ' + answer.leftOut.map(function (u) {
        return u.field + ' ' + u.value + ' (' + u.reason + ')';
      }).join('; ') + '.'));
    }
    box.appendChild(el('p', {id: 'fired'}, rows.length ? 'Rows of the tables that fired (outlined below): ' + rows.join(', ') + '.'
      : 'No row of the tables fired for this patient.'));
  }

  function previews() {
    var form = document.getElementById('preview-form');
    form.addEventListener('submit', function (event) {
      event.preventDefault();
      post('/preview', patient()).then(showPreview).catch(function (e) {
        document.getElementById('preview-card').textContent = 'No preview: ' + e.message;
      });
    });
    var keep = document.getElementById('keep-form');
    if (keep) {
      keep.addEventListener('submit', function (event) {
        event.preventDefault();
        var body = patient();
        body.name = keep.elements.name.value;
        var mine = ++sequence;
        main.setAttribute('data-checked', 'pending');
        post('/scenarios', body).then(function (check) { if (mine === sequence) { show(check); } }).catch(function (e) {
          document.getElementById('check-summary').textContent = 'The scenario was not saved: ' + e.message;
        });
      });
    }
  }
  previews();

  fetch('/workbench/api/drafts/' + draftId, {credentials: 'same-origin'})
    .then(function (response) { return response.json(); })
    .then(function (data) { render(data); spreadsheets(data); scenarioFiles(data); show(data.check); })
    .catch(function () { document.getElementById('check-summary').textContent = 'The draft cannot be loaded: reload the page.'; });
}());
