// Gongkai's search page: plain JavaScript, no build step, no dependencies.
//
// The whole state is in the URL: /?q=…&category=…&department=…&year=…&sort=…&page=…
// (filters repeat: OR within a field, AND across fields) and &doc=ID for the document view.
// Links are real links; clicks on them, the form, the facets, the sort and the pager push a
// new URL and render from it, and back/forward (popstate) render the URL they land on.
//
// Text from the API is only ever inserted as text (textContent), except highlights, whose
// only markup is <mark>: they are split on <mark>/</mark>, their entities decoded, and the
// pieces inserted as text nodes and <mark> elements, so nothing else can become markup.
"use strict";

(function () {
  const PAGE_SIZE = 10;
  const FACET_FIELDS = ["category", "department", "year"];
  const FILTER_FIELDS = FACET_FIELDS;
  const FACET_LABELS = { category: "分类", department: "发布机构", year: "年份" };
  const SORTS = ["relevance", "date_desc", "date_asc"];
  const FACETS_SHOWN = 8;
  const MAX_SNIPPETS = 2;
  const APP_NAME = "政府信息公开检索";

  const $ = (id) => document.getElementById(id);
  const ui = {
    form: $("search-form"),
    q: $("q"),
    sort: $("sort"),
    searchView: $("search-view"),
    heading: $("results-heading"),
    count: $("result-count"),
    relaxed: $("relaxed"),
    error: $("error"),
    empty: $("empty"),
    hits: $("hits"),
    pager: $("pager"),
    facets: $("facets"),
    active: $("active-filters"),
    filtersToggle: $("filters-toggle"),
    docView: $("doc-view"),
    docBack: $("doc-back"),
    docError: $("doc-error"),
    docTitle: $("doc-title"),
    docMeta: $("doc-meta"),
    docBody: $("doc-body"),
    docCited: $("doc-cited"),
    docCitedList: $("doc-cited-list"),
    docCitedBy: $("doc-cited-by"),
    docCitedByHeading: $("doc-cited-by-heading"),
    docCitedByList: $("doc-cited-by-list"),
    docSimilar: $("doc-similar"),
    docSimilarList: $("doc-similar-list"),
  };

  // Facet lists the user expanded ("显示全部"), and category nodes opened or closed.
  const expandedLists = new Set();
  const treeState = new Map();
  let lastFacets = null;
  let generation = 0;
  let controller = null;

  // ---- state <-> URL ------------------------------------------------------------------

  function readState(search) {
    const params = new URLSearchParams(search);
    const state = { q: params.get("q") || "", sort: params.get("sort") || "relevance", page: 1, doc: params.get("doc") || "" };
    for (const field of FILTER_FIELDS) {
      state[field] = unique(params.getAll(field).filter((v) => v !== ""));
    }
    const page = params.get("page");
    // Kept as given when not a number: the API answers with an error the page shows.
    state.page = page === null || page === "" ? 1 : /^\d+$/.test(page) ? Number(page) : page;
    return state;
  }

  function unique(values) {
    return Array.from(new Set(values));
  }

  // Query-string parameters of a state (document view included when `withDoc`).
  function stateParams(state, withDoc) {
    const params = new URLSearchParams();
    if (state.q) params.append("q", state.q);
    for (const field of FILTER_FIELDS) {
      for (const value of state[field]) params.append(field, value);
    }
    if (state.sort && state.sort !== "relevance") params.append("sort", state.sort);
    if (state.page !== 1) params.append("page", String(state.page));
    if (withDoc && state.doc) params.append("doc", state.doc);
    return params;
  }

  function urlOf(state) {
    const query = stateParams(state, true).toString();
    return query ? "/?" + query : "/";
  }

  function withChanges(state, changes) {
    const next = Object.assign({}, state, changes);
    for (const field of FILTER_FIELDS) next[field] = (changes[field] || state[field]).slice();
    return next;
  }

  function currentState() {
    return readState(window.location.search);
  }

  function navigate(state, options) {
    const url = urlOf(state);
    if (url !== window.location.pathname + window.location.search) {
      window.history.pushState(null, "", url);
    }
    render(options || {});
  }

  // ---- API ----------------------------------------------------------------------------

  class ApiError extends Error {
    constructor(status, code, message) {
      super(message);
      this.status = status;
      this.code = code;
    }
  }

  async function api(path, signal) {
    let response;
    try {
      response = await fetch(path, { headers: { accept: "application/json" }, signal });
    } catch (error) {
      if (error.name === "AbortError") throw error;
      throw new ApiError(0, "network", "无法连接到检索服务，请检查网络后重试。");
    }
    let body = null;
    try {
      body = await response.json();
    } catch (_) {
      body = null;
    }
    if (!response.ok) {
      const error = body && body.error ? body.error : {};
      throw new ApiError(response.status, error.code || "http_" + response.status, error.message || "请求失败（HTTP " + response.status + "）");
    }
    if (body === null) throw new ApiError(response.status, "invalid_response", "检索服务返回了无法解析的内容。");
    return body;
  }

  function searchQuery(state) {
    const params = stateParams(state, false);
    params.set("page", String(state.page));
    params.set("size", String(PAGE_SIZE));
    params.set("facets", FACET_FIELDS.join(","));
    params.set("facet_limit", "1000");
    return "/api/v1/search?" + params.toString();
  }

  // Counts of a field whose values are being filtered on come without that field's own
  // filter, so every value stays selectable (OR within a field).
  function facetQuery(state, field) {
    const others = withChanges(state, { [field]: [], page: 1 });
    return "/api/v1/facets/" + field + "?" + stateParams(others, false).toString();
  }

  // ---- rendering ----------------------------------------------------------------------

  function el(tag, attributes, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (name === "text") node.textContent = value;
      else if (name === "className") node.className = value;
      else node.setAttribute(name, value === true ? "" : String(value));
    }
    for (const child of children) {
      if (child === null || child === undefined) continue;
      node.append(child instanceof Node ? child : String(child));
    }
    return node;
  }

  const ENTITIES = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };

  function decodeEntities(text) {
    return text.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-zA-Z]+);/g, (match, name) => {
      if (name[0] === "#") {
        const code = name[1] === "x" || name[1] === "X" ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
        return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : match;
      }
      return Object.prototype.hasOwnProperty.call(ENTITIES, name) ? ENTITIES[name] : match;
    });
  }

  // A highlight (escaped text whose only tags are <mark>) as DOM nodes.
  function highlighted(html) {
    const fragment = document.createDocumentFragment();
    let mark = null;
    for (const part of String(html).split(/(<\/?mark>)/)) {
      if (part === "<mark>") {
        mark = el("mark");
        fragment.append(mark);
      } else if (part === "</mark>") {
        mark = null;
      } else if (part) {
        (mark || fragment).append(decodeEntities(part));
      }
    }
    return fragment;
  }

  function show(node, visible) {
    node.hidden = !visible;
  }

  function setStatus(status) {
    document.documentElement.dataset.status = status;
  }

  function formatDate(date) {
    const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date || "");
    return m ? `${m[1]}年${Number(m[2])}月${Number(m[3])}日` : date || "";
  }

  function docHref(state, id) {
    return urlOf(withChanges(state, { doc: id }));
  }

  function renderHit(state, hit) {
    const highlights = hit.highlights || {};
    const title = el("h2", { className: "hit-title" },
      el("a", { href: docHref(state, hit.id), "data-nav": true }, highlights.title ? highlighted(highlights.title) : hit.title));
    const meta = el("dl", { className: "hit-meta" });
    addMeta(meta, "文号", hit.doc_number, "docnum");
    addMeta(meta, "发布机构", hit.department, "department");
    addMeta(meta, "发布日期", hit.publish_date ? formatDate(hit.publish_date) : hit.year ? `${hit.year}年` : null, "date");
    addMeta(meta, "分类", hit.category ? hit.category.split("/").join(" › ") : null, "category");
    addMeta(meta, "有效性", hit.validity && hit.validity !== "有效" ? hit.validity : null, "validity");
    const snippets = el("div", { className: "hit-snippets" });
    for (const fragment of (highlights.body || []).slice(0, MAX_SNIPPETS)) {
      snippets.append(el("p", { className: "snippet" }, highlighted(fragment)));
    }
    return el("li", { className: "hit" }, title, meta, snippets.childNodes.length ? snippets : null);
  }

  function addMeta(list, label, value, kind) {
    if (value === null || value === undefined || value === "") return;
    list.append(el("div", { className: "meta-item meta-" + kind }, el("dt", { text: label }), el("dd", { text: value })));
  }

  function pageNumbers(current, last) {
    const pages = new Set([1, last, current - 2, current - 1, current, current + 1, current + 2]);
    const sorted = Array.from(pages).filter((p) => p >= 1 && p <= last).sort((a, b) => a - b);
    const out = [];
    for (const p of sorted) {
      if (out.length && p - out[out.length - 1] > 1) out.push(null);
      out.push(p);
    }
    return out;
  }

  function renderPager(state, total) {
    ui.pager.replaceChildren();
    const last = Math.max(1, Math.ceil(total / PAGE_SIZE));
    const current = Number(state.page) || 1;
    if (last <= 1 && current <= 1) {
      show(ui.pager, false);
      return;
    }
    const list = el("ul");
    const link = (page, text, label, rel) =>
      el("a", { href: urlOf(withChanges(state, { page, doc: "" })), "data-nav": true, "data-focus": "results", "aria-label": label, rel }, text);
    if (current > 1) list.append(el("li", { className: "prev" }, link(Math.min(current - 1, last), "上一页", null, "prev")));
    for (const page of pageNumbers(Math.min(current, last), last)) {
      if (page === null) {
        list.append(el("li", { className: "gap", "aria-hidden": "true", text: "…" }));
      } else if (page === current) {
        list.append(el("li", null, el("a", { href: urlOf(withChanges(state, { page })), "aria-current": "page", "aria-label": `第 ${page} 页，当前页`, "data-nav": true, "data-focus": "results" }, String(page))));
      } else {
        list.append(el("li", null, link(page, String(page), `第 ${page} 页`)));
      }
    }
    if (current < last) list.append(el("li", { className: "next" }, link(current + 1, "下一页", null, "next")));
    ui.pager.append(list, el("p", { className: "pager-summary", text: `第 ${current} / ${last} 页` }));
    show(ui.pager, true);
  }

  // Category values are paths (地方性法规/山东); the API counts every node, so a parent's
  // count is its subtree's. Values whose parent is missing (a truncated list) get one.
  function categoryTree(values) {
    const root = { children: new Map() };
    const nodes = new Map();
    const node = (path) => {
      if (nodes.has(path)) return nodes.get(path);
      const slash = path.lastIndexOf("/");
      const parent = slash < 0 ? root : node(path.slice(0, slash));
      const created = { path, name: path.slice(slash + 1), count: null, children: new Map() };
      parent.children.set(path, created);
      nodes.set(path, created);
      return created;
    };
    for (const { value, count } of values) node(value).count = count;
    return root;
  }

  function facetCheckbox(state, field, value, name, count) {
    const id = "f-" + field + "-" + value.replace(/[^\w\u4e00-\u9fff-]/g, (c) => "_" + c.codePointAt(0).toString(16));
    const input = el("input", { type: "checkbox", id, "data-field": field, value });
    input.checked = state[field].includes(value);
    const label = el("label", { for: id },
      el("span", { className: "facet-name", text: name }),
      count === null ? null : el("span", { className: "facet-count", text: String(count) }));
    return el("span", { className: "facet-option" }, input, label);
  }

  function renderTree(state, parent, depth) {
    const list = el("ul", { className: depth === 0 ? "facet-list tree" : "subtree" });
    const children = Array.from(parent.children.values()).sort((a, b) => (b.count || 0) - (a.count || 0) || a.name.localeCompare(b.name, "zh-CN"));
    for (const child of children) {
      const item = el("li", { className: "tree-node" });
      const hasChildren = child.children.size > 0;
      const selectedBelow = state.category.some((v) => v.startsWith(child.path + "/"));
      const selected = selectedBelow || state.category.includes(child.path);
      const open = treeState.has(child.path) ? treeState.get(child.path) : selected;
      const row = el("div", { className: "tree-row" });
      if (hasChildren) {
        const toggle = el("button", {
          type: "button",
          className: "tree-toggle",
          "aria-expanded": open ? "true" : "false",
          "aria-label": (open ? "收起" : "展开") + "“" + child.name + "”",
          "data-tree": child.path,
        }, open ? "▾" : "▸");
        row.append(toggle);
      } else {
        row.append(el("span", { className: "tree-spacer", "aria-hidden": "true" }));
      }
      row.append(facetCheckbox(state, "category", child.path, child.name, child.count));
      item.append(row);
      if (hasChildren) {
        const sub = renderTree(state, child, depth + 1);
        sub.hidden = !open;
        item.append(sub);
      }
      list.append(item);
    }
    return list;
  }

  function renderFacet(state, field, values) {
    const headingId = "facet-" + field + "-heading";
    const section = el("section", { className: "facet facet-" + field, "aria-labelledby": headingId });
    section.append(el("h3", { id: headingId, text: FACET_LABELS[field] }));
    if (!values.length) {
      section.append(el("p", { className: "facet-none", text: "无" }));
      return section;
    }
    if (field === "category") {
      section.append(renderTree(state, categoryTree(values), 0));
      return section;
    }
    let ordered = values.slice();
    if (field === "year") ordered.sort((a, b) => Number(b.value) - Number(a.value));
    // Selected values stay visible even when they are past the first few.
    const expanded = expandedLists.has(field);
    const shown = expanded ? ordered : ordered.filter((v, i) => i < FACETS_SHOWN || state[field].includes(v.value));
    const list = el("ul", { className: "facet-list", id: "facet-" + field + "-list" });
    for (const { value, count } of shown) {
      list.append(el("li", null, facetCheckbox(state, field, value, field === "year" ? value + "年" : value, count)));
    }
    section.append(list);
    if (ordered.length > FACETS_SHOWN) {
      section.append(el("button", {
        type: "button",
        className: "button small link-like",
        "aria-expanded": expanded ? "true" : "false",
        "aria-controls": "facet-" + field + "-list",
        "data-more": field,
      }, expanded ? "收起" : `显示全部（${ordered.length}）`));
    }
    return section;
  }

  function renderActiveFilters(state) {
    ui.active.replaceChildren();
    const chips = [];
    for (const field of FILTER_FIELDS) {
      for (const value of state[field]) {
        const next = withChanges(state, { [field]: state[field].filter((v) => v !== value), page: 1, doc: "" });
        const shown = field === "year" ? value + "年" : field === "category" ? value.split("/").join(" › ") : value;
        chips.push(el("li", null, el("a", { href: urlOf(next), "data-nav": true, className: "chip", "aria-label": `移除筛选：${FACET_LABELS[field]} ${shown}` },
          el("span", { className: "chip-field", text: FACET_LABELS[field] + "：" }), shown, el("span", { className: "chip-x", "aria-hidden": "true", text: " ×" }))));
      }
    }
    if (!chips.length) {
      show(ui.active, false);
      return;
    }
    const clear = withChanges(state, { category: [], department: [], year: [], page: 1, doc: "" });
    ui.active.append(el("ul", { className: "chips", "aria-label": "已选筛选条件" }, ...chips),
      el("a", { href: urlOf(clear), "data-nav": true, className: "clear-filters" }, "清除全部筛选"));
    show(ui.active, true);
  }

  function renderFacets() {
    if (!lastFacets) return;
    const { state, facets } = lastFacets;
    ui.facets.replaceChildren(...FACET_FIELDS.map((field) => renderFacet(state, field, facets[field] || [])));
  }

  function describeQuery(state) {
    return state.q ? `“${state.q}”` : "全部文件";
  }

  async function renderSearch(state, signal, options) {
    show(ui.docView, false);
    show(ui.searchView, true);
    ui.q.value = state.q;
    ui.sort.value = SORTS.includes(state.sort) ? state.sort : "relevance";
    document.title = (state.q ? state.q + " - " : "") + APP_NAME;
    renderActiveFilters(state);
    ui.count.textContent = "正在检索…";
    ui.searchView.setAttribute("aria-busy", "true");

    const filtered = FACET_FIELDS.filter((field) => state[field].length > 0);
    let response;
    let facetAnswers;
    try {
      [response, facetAnswers] = await Promise.all([
        api(searchQuery(state), signal),
        Promise.all(filtered.map((field) => api(facetQuery(state, field), signal))),
      ]);
    } catch (error) {
      if (error.name === "AbortError") return false;
      ui.searchView.removeAttribute("aria-busy");
      ui.count.textContent = "";
      ui.hits.replaceChildren();
      ui.facets.replaceChildren();
      lastFacets = null;
      show(ui.relaxed, false);
      show(ui.empty, false);
      show(ui.pager, false);
      ui.error.replaceChildren(el("strong", { text: "检索出错：" }), error.message,
        error.code ? el("span", { className: "error-code", text: `（${error.code}）` }) : null);
      show(ui.error, true);
      return true;
    }
    ui.searchView.removeAttribute("aria-busy");
    show(ui.error, false);

    const facets = Object.assign({}, response.facets || {});
    filtered.forEach((field, i) => {
      facets[field] = facetAnswers[i].values;
    });
    lastFacets = { state, facets };
    renderFacets();

    ui.heading.textContent = state.q ? `“${state.q}”的检索结果` : "全部文件";
    ui.count.textContent = `共找到 ${response.total} 条结果（用时 ${response.took_ms} 毫秒）`;
    ui.count.dataset.total = String(response.total);
    show(ui.relaxed, Boolean(response.relaxed));

    const start = (response.page - 1) * response.size + 1;
    ui.hits.start = start;
    ui.hits.replaceChildren(...response.hits.map((hit) => renderHit(state, hit)));
    if (!response.hits.length) {
      ui.empty.textContent = response.total > 0
        ? `本页没有结果：${describeQuery(state)}共有 ${response.total} 条结果，请返回第 1 页。`
        : `没有找到与${describeQuery(state)}相关的文件。请尝试更换或减少检索词，或清除筛选条件。`;
      show(ui.empty, true);
    } else {
      show(ui.empty, false);
    }
    renderPager(state, response.total);
    if (options.focus === "results") ui.heading.focus();
    return true;
  }

  async function renderDocument(state, signal) {
    show(ui.searchView, false);
    show(ui.docView, true);
    ui.docBack.href = urlOf(withChanges(state, { doc: "" }));
    ui.docTitle.textContent = "正在加载…";
    ui.docMeta.replaceChildren();
    ui.docBody.replaceChildren();
    for (const section of [ui.docCited, ui.docCitedBy, ui.docSimilar]) show(section, false);
    show(ui.docError, false);
    const path = "/api/v1/documents/" + encodeURIComponent(state.doc);
    // Related documents are extra: if they cannot be had, the document still shows.
    const related = api(path + "/related?size=10", signal).catch(() => null);
    let doc;
    try {
      doc = await api(path, signal);
    } catch (error) {
      if (error.name === "AbortError") return false;
      ui.docTitle.textContent = "无法显示文件";
      document.title = "无法显示文件 - " + APP_NAME;
      ui.docError.replaceChildren(error.status === 404 ? "没有找到这份文件，它可能已被删除或链接有误。" : error.message,
        el("span", { className: "error-code", text: `（${error.code}）` }));
      show(ui.docError, true);
      ui.docTitle.focus();
      return true;
    }
    ui.docTitle.textContent = doc.title;
    document.title = doc.title + " - " + APP_NAME;
    addMeta(ui.docMeta, "文号", doc.doc_number, "docnum");
    addMeta(ui.docMeta, "发布机构", doc.department, "department");
    addMeta(ui.docMeta, "发布日期", doc.publish_date ? formatDate(doc.publish_date) : null, "date");
    addMeta(ui.docMeta, "成文日期", doc.written_date ? formatDate(doc.written_date) : null, "written");
    addMeta(ui.docMeta, "年份", !doc.publish_date && doc.year ? `${doc.year}年` : null, "year");
    addMeta(ui.docMeta, "索引号", doc.index_no, "index-no");
    addMeta(ui.docMeta, "分类", doc.category ? doc.category.split("/").join(" › ") : null, "category");
    addMeta(ui.docMeta, "主题分类", doc.topic, "topic");
    addMeta(ui.docMeta, "文种", doc.doc_type, "doc-type");
    addMeta(ui.docMeta, "地区", doc.region, "region");
    addMeta(ui.docMeta, "有效性", doc.validity, "validity");
    if (doc.source_url && /^https?:\/\//i.test(doc.source_url)) {
      ui.docMeta.append(el("div", { className: "meta-item meta-source" }, el("dt", { text: "原文链接" }),
        el("dd", null, el("a", { href: doc.source_url, rel: "noopener noreferrer external", text: doc.source_url }))));
    } else {
      addMeta(ui.docMeta, "来源", doc.source_url, "source");
    }
    // One paragraph per line; Markdown-style heading lines (## 第一章 总则) as headings.
    const paragraphs = String(doc.body || "").split(/\n+/).map((p) => p.trim()).filter((p) => p);
    ui.docBody.replaceChildren(...paragraphs.map((p) => {
      const heading = /^(#{1,6})\s+(.+)$/.exec(p);
      if (!heading) return el("p", { text: p });
      return el("h" + Math.min(6, heading[1].length + 1), { className: "doc-heading", text: heading[2] });
    }));
    if (!paragraphs.length) ui.docBody.append(el("p", { className: "empty", text: "（本文件没有正文）" }));
    const links = await related;
    if (signal.aborted) return false;
    renderRelated(state, doc, links);
    ui.docTitle.focus();
    return true;
  }

  // A related document: a link to its view, its 文号 and date beside the title.
  function relatedItem(state, item) {
    const extra = [item.doc_number, item.publish_date ? formatDate(item.publish_date) : null].filter((x) => x);
    return el("li", null,
      el("a", { href: docHref(state, item.id), "data-nav": true, text: item.title }),
      extra.length ? el("span", { className: "related-meta", text: `（${extra.join("，")}）` }) : null);
  }

  // Cited 文号: those in the index link to their document, the others to a search for them.
  function renderRelated(state, doc, links) {
    const searchFor = (number) => urlOf({ q: number, category: [], department: [], year: [], sort: "relevance", page: 1, doc: "" });
    const cited = links
      ? [...links.cites.map((item) => relatedItem(state, item)),
         ...links.cites_missing.map((number) => el("li", null, el("a", { href: searchFor(number), "data-nav": true, text: number })))]
      : (doc.cited_doc_numbers || []).map((number) => el("li", null, el("a", { href: searchFor(number), "data-nav": true, text: number })));
    ui.docCitedList.replaceChildren(...cited);
    show(ui.docCited, cited.length > 0);
    if (!links) return;
    ui.docCitedByList.replaceChildren(...links.cited_by.map((item) => relatedItem(state, item)));
    ui.docCitedByHeading.textContent = `引用本文件的文件（共 ${links.cited_by_total} 件）`;
    show(ui.docCitedBy, links.cited_by.length > 0);
    ui.docSimilarList.replaceChildren(...links.similar.map((item) => relatedItem(state, item)));
    show(ui.docSimilar, links.similar.length > 0);
  }

  async function render(options) {
    const state = currentState();
    const rendering = window.location.search;
    const mine = ++generation;
    if (controller) controller.abort();
    controller = new AbortController();
    setStatus("loading");
    document.body.dataset.view = state.doc ? "doc" : "search";
    const done = state.doc
      ? await renderDocument(state, controller.signal)
      : await renderSearch(state, controller.signal, options || {});
    if (!done || mine !== generation) return;
    if (options && options.keepFocus) {
      const node = document.getElementById(options.keepFocus);
      if (node) node.focus();
    }
    // For tests and tools: which URL the page now shows, and that it is done.
    document.documentElement.dataset.rendered = rendering;
    setStatus("ready");
  }

  // ---- events -------------------------------------------------------------------------

  ui.form.addEventListener("submit", (event) => {
    event.preventDefault();
    const state = currentState();
    navigate(withChanges(state, { q: ui.q.value.trim(), page: 1, doc: "" }));
  });

  ui.sort.addEventListener("change", () => {
    navigate(withChanges(currentState(), { sort: ui.sort.value, page: 1, doc: "" }));
  });

  ui.facets.addEventListener("change", (event) => {
    const input = event.target;
    if (!(input instanceof HTMLInputElement) || !input.dataset.field) return;
    const state = currentState();
    const field = input.dataset.field;
    const values = input.checked ? unique(state[field].concat([input.value])) : state[field].filter((v) => v !== input.value);
    navigate(withChanges(state, { [field]: values, page: 1, doc: "" }), { keepFocus: input.id });
  });

  ui.facets.addEventListener("click", (event) => {
    const button = event.target.closest("button");
    if (!button) return;
    if (button.dataset.more) {
      const field = button.dataset.more;
      if (expandedLists.has(field)) expandedLists.delete(field);
      else expandedLists.add(field);
      renderFacets();
      const again = ui.facets.querySelector("[data-more='" + field + "']");
      if (again) again.focus();
    } else if (button.dataset.tree) {
      const path = button.dataset.tree;
      const open = button.getAttribute("aria-expanded") !== "true";
      treeState.set(path, open);
      const name = path.slice(path.lastIndexOf("/") + 1);
      button.setAttribute("aria-expanded", open ? "true" : "false");
      button.setAttribute("aria-label", (open ? "收起" : "展开") + "“" + name + "”");
      button.textContent = open ? "▾" : "▸";
      const sub = button.closest(".tree-node").querySelector(":scope > .subtree");
      if (sub) sub.hidden = !open;
    }
  });

  document.addEventListener("click", (event) => {
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    const link = event.target.closest("a[data-nav]");
    if (!link || link.origin !== window.location.origin) return;
    event.preventDefault();
    window.history.pushState(null, "", link.pathname + link.search);
    render({ focus: link.dataset.focus || null });
  });

  ui.filtersToggle.addEventListener("click", () => {
    const open = ui.filtersToggle.getAttribute("aria-expanded") !== "true";
    ui.filtersToggle.setAttribute("aria-expanded", open ? "true" : "false");
    ui.filtersToggle.textContent = open ? "隐藏筛选" : "显示筛选";
    document.body.classList.toggle("filters-open", open);
  });

  window.addEventListener("popstate", () => render({}));

  render({});
})();
