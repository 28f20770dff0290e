/// The script of the page to ask: the form built from what the chosen model knows, the
/// job's checks answered beside the field at fault, and the list of jobs, polled.
///
/// The list is polled every two seconds rather than pushed (server-sent events): the
/// server learns of a job's progress only by looking at the spool, which on a shared
/// filesystem no notification reaches, so a push would be a poll on the server; a poll
/// from the page keeps the server stateless and passes every proxy.
enum AskScript {
    static let source = #"""
        "use strict";
        const $ = (tag, props = {}, ...children) => {
          const node = document.createElement(tag);
          for (const [key, value] of Object.entries(props)) {
            if (key === "class") node.className = value;
            else if (key === "text") node.textContent = value;
            else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
            else node.setAttribute(key, value);
          }
          for (const child of children) if (child != null) node.append(child);
          return node;
        };
        const main = () => document.getElementById("main");

        // Every API call: JSON in and out; a 401 asks for the token and tries again.
        async function api(path, options = {}) {
          const response = await fetch(path, { credentials: "same-origin", ...options });
          if (response.status === 401) { await askForToken(); return api(path, options); }
          const body = await response.json().catch(() => ({}));
          return { status: response.status, body };
        }

        function askForToken() {
          return new Promise((resolve) => {
            const dialog = document.getElementById("token-dialog");
            const form = document.getElementById("token-form");
            const error = document.getElementById("token-error");
            form.onsubmit = async (event) => {
              event.preventDefault();
              const token = document.getElementById("token-input").value.trim();
              const answer = await fetch("/api/session", { method: "POST", headers: { Authorization: "Bearer " + token } });
              if (answer.status === 204) { dialog.close(); resolve(); }
              else error.textContent = "That token is not this server's.";
            };
            if (!dialog.open) dialog.showModal();
          });
        }

        const plural = (n, word) => n + " " + word + (n === 1 ? "" : "s");
        const newSeed = () => Math.floor(Math.random() * 2147483647);
        const jobPath = (id) => "/jobs/" + encodeURIComponent(id);

        function field(form, name, label, control, hint) {
          form.append($("label", { for: "f-" + name, text: label }),
            $("div", { class: "field" }, control, hint ? $("span", { class: "hint", text: hint }) : null,
              $("span", { class: "error", "data-for": name })));
          control.id = control.id || "f-" + name;
          return control;
        }

        function choice(name, values, anyLabel) {
          const select = $("select", { name });
          if (anyLabel) select.append($("option", { value: "", text: anyLabel }));
          for (const value of values) select.append($("option", { value, text: value }));
          return select;
        }

        // Where an error's field is shown: "format[1]" beside the formats, "render.instrument"
        // beside the instrument, anything else the form has no place for above the button.
        function showErrors(form, error) {
          form.querySelectorAll(".error").forEach((node) => (node.textContent = ""));
          if (!error) return;
          let name = (error.field || "").replace(/\[\d+\]$/, "").replace(/^render\./, "");
          if (name === "top_k" || name === "top_p" || name === "stop") name = "";
          const target = form.querySelector(`.error[data-for="${name}"]`) || form.querySelector('.error[data-for="general"]');
          target.textContent = error.error + (error.hint ? " " + error.hint : "");
        }

        async function readMelodyFile(file) {
          if (/\.midi?$/i.test(file.name)) {
            const bytes = new Uint8Array(await file.arrayBuffer());
            let text = "";
            for (const byte of bytes) text += String.fromCharCode(byte);
            return btoa(text);
          }
          return file.text();
        }

        function buildJob(form, model) {
          // namedItem, not elements[name]: a control called "length" would be the collection's length.
          const value = (name) => { const node = form.elements.namedItem(name); return node ? node.value.trim() : ""; };
          const job = { model: model.name };
          const count = value("count"), length = value("length"), temperature = value("temperature");
          if (count) job.count = Number(count);
          if (length) job.length = Number(length);
          if (temperature) job.temperature = Number(temperature);
          if (value("seed")) job.seed = Number(value("seed"));
          if (value("best_of") && value("best_of") !== "1") job.best_of = Number(value("best_of"));
          if (value("prime")) job.prime = value("prime");
          for (const name of ["meter", "mode", "key", "harmonize"]) if (value(name)) job[name] = value(name);
          const formats = [...form.querySelectorAll('input[name="format"]:checked')].map((node) => node.value);
          job.format = formats.length === 1 ? formats[0] : formats;
          if (value("instrument")) job.render = { instrument: value("instrument") };
          return job;
        }

        function renderForm(container, models, limits, chosen) {
          container.replaceChildren();
          const form = $("form", { class: "ask", id: "ask-form", novalidate: "" });
          const modelSelect = field(form, "model", "Model", choice("model", models.map((m) => m.name)));
          modelSelect.value = chosen.name;
          modelSelect.addEventListener("change", () =>
            renderForm(container, models, limits, models.find((m) => m.name === modelSelect.value)));
          form.append($("span"), $("p", { class: "hint", text: chosen.description }));
          if (chosen.kind === "notes") {
            if (chosen.meters.length) field(form, "meter", "Meter", choice("meter", chosen.meters, "the model's choice"));
            if (chosen.modes.length) field(form, "mode", "Mode", choice("mode", chosen.modes, "the model's choice"));
            field(form, "key", "Key", choice("key", chosen.keys, "as the model writes it"));
            field(form, "instrument", "Instrument", $("input", { name: "instrument", placeholder: chosen.voices.length > 1 ? "organ" : "fiddle" }),
              chosen.voices.length > 1 ? "one for all, or " + chosen.voices.map((v) => v.toLowerCase() + "=…").join(",") : "a General MIDI name or fiddle, flute, piano…");
            if (chosen.harmonize) {
              const box = field(form, "harmonize", "Melody to harmonise", $("textarea", { name: "harmonize", placeholder: "ABC, MusicXML or note tokens for the top voice; or choose a file" }));
              const upload = $("input", { type: "file", id: "f-harmonize-file", accept: ".abc,.xml,.musicxml,.mid,.midi,.txt" });
              upload.addEventListener("change", async () => { if (upload.files[0]) box.value = await readMelodyFile(upload.files[0]); });
              box.parentElement.insertBefore(upload, box.nextSibling);
            }
          } else {
            field(form, "prime", "Prime text", $("textarea", { name: "prime", placeholder: "ROMEO:" }), "every sample starts with it");
          }
          field(form, "count", "Samples", $("input", { name: "count", type: "number", min: 1, max: limits.max_count, value: chosen.kind === "notes" ? 2 : 1 }));
          field(form, "length", "Length", $("input", { name: "length", type: "number", min: 1, max: limits.max_length, placeholder: "400" }),
            chosen.kind === "notes" ? "steps at most (a tune ends by itself)" : "characters at most");
          field(form, "temperature", "Temperature", $("input", { name: "temperature", type: "number", min: 0, max: 10, step: 0.05, value: 0.8 }));
          field(form, "best_of", "Best of", $("input", { name: "best_of", type: "number", min: 1, max: 64, value: 1 }), "keep the likeliest of N per sample");
          const seed = field(form, "seed", "Seed", $("input", { name: "seed", type: "number", min: 0, value: newSeed() }));
          seed.parentElement.insertBefore($("button", { type: "button", id: "new-seed", text: "New seed", onclick: () => (seed.value = newSeed()) }), seed.nextSibling);
          const formats = $("span", { id: "f-format" });
          const preset = chosen.kind === "notes" ? ["abc", "svg", "ogg", "midi"] : ["text"];
          for (const name of chosen.formats)
            formats.append($("label", { class: "format" },
              $("input", { type: "checkbox", name: "format", value: name, ...(preset.includes(name) ? { checked: "" } : {}) }), " " + name + " "));
          field(form, "format", "Files", formats);
          form.append($("span"), $("div", { class: "field" },
            $("button", { type: "submit", class: "primary", id: "submit", text: chosen.kind === "notes" ? "Make tunes" : "Write" }),
            $("span", { class: "error", "data-for": "general" })));
          form.addEventListener("submit", async (event) => {
            event.preventDefault();
            const answer = await api("/api/jobs", { method: "POST", headers: { "Content-Type": "application/json" },
              body: JSON.stringify(buildJob(form, chosen)) });
            if (answer.status === 201) location.assign(jobPath(answer.body.id));
            else showErrors(form, answer.body.error ? answer.body : { error: "The server answered " + answer.status + "." });
          });
          container.append(form);
        }

        function stateText(job) {
          if (job.state === "running" && job.progress && job.progress.samples_done != null)
            return `running (${job.progress.samples_done} of ${job.progress.samples} samples)`;
          return job.state;
        }

        async function refreshList(table) {
          const answer = await api("/api/jobs?limit=30");
          if (answer.status !== 200) return;
          const rows = answer.body.jobs.map((job) => $("tr", { "data-id": job.id },
            $("td", {}, $("a", { href: jobPath(job.id), text: job.id })), $("td", { text: job.model || "" }),
            $("td", { class: "state-" + job.state, text: stateText(job) }),
            $("td", { text: job.state === "failed" ? job.error || "" : job.samples != null ? plural(job.samples, "sample") : "" })));
          table.tBodies[0].replaceChildren(...rows);
        }

        async function showAskPage() {
          const answer = await api("/api/models");
          const container = $("section", { id: "ask" });
          const table = $("table", { id: "jobs" }, $("thead", {}, $("tr", {}, $("th", { text: "Job" }), $("th", { text: "Model" }),
            $("th", { text: "State" }), $("th", { text: "" }))), $("tbody"));
          main().replaceChildren($("h1", { text: "Ask for tunes or texts" }), container, $("h2", { text: "Jobs" }), table);
          const models = answer.body.models || [];
          if (!models.length) container.append($("p", { class: "error", text: "This server finds no models: start it with --models DIR." }));
          else {
            const wanted = new URLSearchParams(location.search).get("model");
            renderForm(container, models, answer.body.limits, models.find((m) => m.name === wanted) || models.find((m) => m.name === "folk") || models[0]);
          }
          await refreshList(table);
          setInterval(() => refreshList(table), 2000);
        }

        document.addEventListener("DOMContentLoaded", () => {
          if (location.pathname.startsWith("/jobs/")) showJobPage(decodeURIComponent(location.pathname.slice(6)));
          else showAskPage();
        });
        """#
}
