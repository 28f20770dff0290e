/// The script of a job's own page (`/jobs/ID`): its state, polled each second until it is
/// done or failed, then each sample: text as text; a tune as its picture (the engraved
/// score when there is one, else the piano roll), an audio player, its meter, mode, key,
/// bars and seed, and every file to download.
enum JobScript {
    static let source = #"""
        const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
        const fileURL = (id, name) => "/api/jobs/" + encodeURIComponent(id) + "/files/" + encodeURIComponent(name);
        const audioTypes = [".ogg", ".wav", ".flac", ".mp3"];

        async function showJobPage(id) {
          const state = $("p", { id: "job-state", class: "quiet", text: "Looking for the job…" });
          const body = $("section", { id: "job" });
          main().replaceChildren($("h1", { text: "Job " + id }), state, body);
          for (;;) {
            const answer = await api("/api/jobs/" + encodeURIComponent(id));
            if (answer.status === 404) { state.textContent = "There is no such job in the spool."; return; }
            const job = answer.body;
            state.className = "state-" + job.state;
            state.dataset.state = job.state;
            state.textContent = job.state === "queued" ? "Waiting for a daemon…" : stateText(job);
            if (job.state === "done") return renderResult(body, id, job);
            if (job.state === "failed") return renderFailure(body, id, job);
            await sleep(1000);
          }
        }

        function againButtons(id, job) {
          const row = $("p", { class: "field" });
          if (job.job && job.job.model) {
            row.append($("button", { type: "button", id: "again", class: "primary", text: "Again with another seed", onclick: async () => {
              const answer = await api("/api/jobs", { method: "POST", headers: { "Content-Type": "application/json" },
                body: JSON.stringify({ ...job.job, seed: newSeed() }) });
              if (answer.status === 201) location.assign(jobPath(answer.body.id));
              else row.append($("span", { class: "error", text: answer.body.error || "The server answered " + answer.status + "." }));
            } }));
            row.append($("a", { href: "/?model=" + encodeURIComponent(job.job.model), text: "Ask for something else" }));
          }
          return row;
        }

        function describe(sample, result) {
          const parts = [];
          if (sample.meter) parts.push(sample.meter);
          if (sample.mode) parts.push(sample.mode);
          if (sample.key) parts.push("key of " + sample.key);
          if (sample.bars != null) parts.push(sample.bars + " bars");
          parts.push("seed " + result.seed);
          if (sample.mean_log_likelihood != null) parts.push("log-likelihood " + sample.mean_log_likelihood.toFixed(3) + " per token");
          return parts.join(" · ");
        }

        async function renderResult(body, id, job) {
          const result = job.result || {};
          const model = result.model ? result.model.name : "";
          body.replaceChildren($("p", { class: "meta", text: `${plural((result.samples || []).length, "sample")} from ${model}, seed ${result.seed}` }),
            againButtons(id, job));
          for (const sample of result.samples || []) {
            const prefix = "sample-" + String(sample.index).padStart(3, "0") + ".";
            const files = (result.files || []).filter((name) => name.startsWith(prefix));
            const card = $("article", { class: "sample", "data-index": sample.index }, $("h2", { text: "Sample " + sample.index }),
              $("p", { class: "meta", text: describe(sample, result) }));
            const picture = files.find((name) => name.endsWith(".score.svg")) || files.find((name) => name.endsWith(".svg"));
            if (picture) card.append($("img", { src: fileURL(id, picture), alt: "Sample " + sample.index + (picture.endsWith(".score.svg") ? ", engraved" : ", piano roll") }));
            const audio = audioTypes.map((type) => files.find((name) => name.endsWith(type))).find((name) => name);
            if (audio) card.append($("audio", { controls: "", preload: "metadata", src: fileURL(id, audio) }));
            const text = files.find((name) => name.endsWith(".txt"));
            if (text && !picture) {
              const pre = $("pre", { class: "text", text: "…" });
              card.append(pre);
              fetch(fileURL(id, text), { credentials: "same-origin" }).then((r) => r.text()).then((t) => (pre.textContent = t));
            }
            const links = $("p", { class: "downloads" }, "Files: ");
            for (const name of files) links.append($("a", { href: fileURL(id, name), download: name, text: name.slice(prefix.length) }));
            card.append(links);
            body.append(card);
          }
          body.append($("p", { class: "downloads" }, "Job: ", $("a", { href: fileURL(id, "result.json"), download: "result.json", text: "result.json" }),
            $("a", { href: fileURL(id, "job.json"), download: "job.json", text: "job.json" })));
        }

        function renderFailure(body, id, job) {
          const error = job.error || {};
          body.replaceChildren($("p", { class: "error", id: "job-error", text: (error.field ? error.field + ": " : "") + (error.error || "The job failed.") }),
            $("p", { class: "hint", text: error.hint || "" }), againButtons(id, job));
        }
        """#
}
