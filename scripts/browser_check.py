#!/usr/bin/env python3
"""The checks of scripts/browser-check: headless Chromium, driven by Selenium, on the page
of a running `recur web` (with a `recur serve` doing the jobs).

    browser_check.py --url http://127.0.0.1:PORT/ --artefacts DIR [--spool DIR]
                     [--profile DIR] [--only folk,text,harmonize,refusal,again] [--timeout 120]
                     [--inject FILE.js]

folk       on /, model folk, meter 6/8, mode minor, key E, the default formats (abc, svg,
           ogg, midi); submit; /jobs/ID gets done; every sample's picture is drawn
           (complete, naturalWidth > 0), its audio loads (readyState >= 1, a finite
           duration > 1 s) and plays to its end (playbackRate 16, `ended`), and every
           download link answers 200 with a non-empty body (fetched by the page's JS).
text       model shakespeare, prime "ROMEO:", length 200: the text shows in a <pre> and
           starts with ROMEO:.
harmonize  model chorales, a melody in ABC chosen with the file input (and so in the
           textarea): picture, audio and downloads as for folk.
refusal    on /, folk: a seed of -5, then an instrument "kazooo": the server's error shows
           in .error[data-for=seed] / [data-for=instrument] and no job reaches the spool.
again      "Again with another seed" on the folk job's page opens a new job's page, with
           another seed, which gets done.
console    the browser's console holds no error but the refusals' expected 400s (and the
           404 of /favicon.ico, which Chromium asks for by itself).
list       the jobs show in the list #jobs on /.

Screenshots (ask.png, job-*.png …) and console.log go to --artefacts. Prints one
PASS/FAIL line per check; exits 1 if any failed. Needs selenium (scripts/browser-check
makes a venv with it) and Debian's chromium and chromium-driver.
"""

import argparse
import json
import os
import re
import sys
import time
import traceback
import urllib.request

from selenium import webdriver
from selenium.common.exceptions import TimeoutException, WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

MELODY = "X:1\nM:4/4\nL:1/4\nK:G\nG A B c | d2 B2 | c B A G | A4 |]\n"
ALL = ["folk", "text", "harmonize", "refusal", "again"]


class Run:
    def __init__(self, args):
        self.args = args
        self.base = args.url.rstrip("/")
        self.failures = 0
        self.console = []  # (phase, entry)
        self.phase = "start"
        self.folk_job = None
        self.jobs = []  # the IDs of the jobs the checks submitted
        options = webdriver.ChromeOptions()
        options.binary_location = args.chromium
        for flag in ["--headless=new", "--no-sandbox", "--autoplay-policy=no-user-gesture-required",
                     "--window-size=1280,1600", "--disable-dev-shm-usage", "--disable-gpu",
                     "--no-first-run", "--disable-extensions"]:
            options.add_argument(flag)
        if args.profile:
            options.add_argument("--user-data-dir=" + args.profile)
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        service = Service(args.chromedriver, log_output=os.path.join(args.artefacts, "chromedriver.log"))
        self.driver = webdriver.Chrome(service=service, options=options)
        self.driver.set_script_timeout(240)
        if args.inject:
            with open(args.inject) as f:
                self.driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": f.read()})
            print(f"note: {args.inject} runs before every page's own script", flush=True)
        caps = self.driver.capabilities
        print(f"browser: {caps.get('browserName')} {caps.get('browserVersion')}, chromedriver "
              f"{caps.get('chrome', {}).get('chromedriverVersion', '?').split(' ')[0]}, selenium "
              f"{webdriver.__version__}", flush=True)

    # ---- reporting

    def result(self, ok, name, detail=""):
        if not ok:
            self.failures += 1
        print(f"{'PASS' if ok else 'FAIL'} {name}{': ' + detail if detail else ''}", flush=True)
        return ok

    def drain_console(self):
        try:
            for entry in self.driver.get_log("browser"):
                self.console.append((self.phase, entry))
        except WebDriverException:
            pass

    def enter(self, phase):
        self.drain_console()
        self.phase = phase

    def screenshot(self, name):
        path = os.path.join(self.args.artefacts, name + ".png")
        # The whole page: as tall as the document, for the job pages' samples.
        try:
            height = self.driver.execute_script("return Math.max(document.body.scrollHeight, 800)")
            self.driver.set_window_size(1280, min(int(height) + 120, 6000))
            self.driver.save_screenshot(path)
            self.driver.set_window_size(1280, 1600)
        except WebDriverException as error:
            print(f"note: screenshot {name} failed: {error.msg}", flush=True)

    # ---- helpers

    def api(self, path):
        with urllib.request.urlopen(self.base + path, timeout=10) as response:
            return json.load(response)

    def job_count(self):
        """Every job the API lists (at most 200), and the entries of the spool's job folders."""
        listed = len(self.api("/api/jobs?limit=200")["jobs"])
        if not self.args.spool:
            return listed
        def entries(path):
            return [n for n in os.listdir(path) if not n.startswith(".")] if os.path.isdir(path) else []
        spool = self.args.spool
        files = sum(len(entries(os.path.join(spool, folder))) for folder in ["incoming", "done", "failed"])
        files += sum(len(entries(os.path.join(spool, "active", daemon))) for daemon in entries(os.path.join(spool, "active")))
        return listed, files

    def wait(self, condition, timeout, message):
        return WebDriverWait(self.driver, timeout, poll_frequency=0.2).until(condition, message)

    def open_ask(self, model):
        d = self.driver
        d.get(self.base + "/")
        self.wait(lambda d: d.find_elements(By.CSS_SELECTOR, "#ask-form select[name=model]"), 20,
                  "the ask form did not appear")
        select = Select(d.find_element(By.CSS_SELECTOR, "#ask-form select[name=model]"))
        if select.first_selected_option.get_attribute("value") != model:
            select.select_by_value(model)
            # The form is built anew for the chosen model.
            self.wait(lambda d: Select(d.find_element(By.CSS_SELECTOR, "#ask-form select[name=model]"))
                      .first_selected_option.get_attribute("value") == model, 10, "the form did not switch model")
        return d.find_element(By.ID, "ask-form")

    def submit_and_follow(self, name, timeout=None):
        """Clicks #submit, waits for /jobs/ID and its end; returns (id, state) or (None, why)."""
        d = self.driver
        start = d.current_url
        d.find_element(By.ID, "submit").click()
        try:
            self.wait(lambda d: "/jobs/" in d.current_url, 20, "no job page")
        except TimeoutException:
            errors = [e.text for e in d.find_elements(By.CSS_SELECTOR, "#ask-form .error") if e.text]
            return None, f"still on {start} after submit; errors beside the fields: {errors}"
        return self.follow(name, timeout)

    def follow(self, name, timeout=None):
        d = self.driver
        job_id = re.sub(r".*/jobs/", "", d.current_url)
        self.jobs.append(job_id)
        t0 = time.time()
        try:
            self.wait(lambda d: d.execute_script(
                "const s = document.getElementById('job-state'); return s && ['done','failed'].includes(s.dataset.state)"),
                timeout or self.args.timeout, "not done")
        except TimeoutException:
            state = d.execute_script("const s = document.getElementById('job-state'); return s ? (s.dataset.state || s.textContent) : null")
            self.screenshot("job-" + name)
            return job_id, f"still {state!r} after {timeout or self.args.timeout} s"
        state = d.find_element(By.ID, "job-state").get_attribute("data-state")
        if state == "done":
            # The samples are rendered in the same task as the state; the text arrives after.
            self.wait(lambda d: d.find_elements(By.CSS_SELECTOR, "#job p.downloads"), 10, "no downloads")
        self.screenshot("job-" + name)
        if state != "done":
            error = " ".join(e.text for e in d.find_elements(By.CSS_SELECTOR, "#job-error, #job .hint"))
            return job_id, f"failed: {error}"
        print(f"note: job {job_id} ({name}) done in {time.time() - t0:.1f} s", flush=True)
        return job_id, "done"

    def check_pictures(self, name):
        d = self.driver
        cards = d.find_elements(By.CSS_SELECTOR, "article.sample")
        if not self.result(len(cards) > 0, f"{name}: samples shown", f"{len(cards)} article.sample"):
            return
        pictures = d.execute_async_script("""
            const done = arguments[arguments.length - 1];
            const cards = [...document.querySelectorAll('article.sample')];
            Promise.all(cards.map((card) => {
              const img = card.querySelector('img');
              if (!img) return { index: card.dataset.index, img: null };
              const ready = img.complete ? Promise.resolve() : new Promise((r) => { img.onload = r; img.onerror = r; setTimeout(r, 20000); });
              return ready.then(() => ({ index: card.dataset.index, img: img.getAttribute('src'), alt: img.alt,
                                         complete: img.complete, naturalWidth: img.naturalWidth, naturalHeight: img.naturalHeight }));
            })).then(done);""")
        for p in pictures:
            ok = p["img"] is not None and p["complete"] and p["naturalWidth"] > 0
            self.result(ok, f"{name}: sample {p['index']} picture drawn",
                        f"{p.get('alt')} {p.get('naturalWidth')}x{p.get('naturalHeight')} {p.get('img')}")

    def check_audio(self, name):
        d = self.driver
        results = d.execute_async_script("""
            const done = arguments[arguments.length - 1];
            const audios = [...document.querySelectorAll('article.sample audio')];
            const one = (audio) => new Promise((resolve) => {
              const out = { src: audio.getAttribute('src'), index: audio.closest('article').dataset.index, events: [] };
              const finish = (why) => { out.end = why; out.readyState = audio.readyState; out.currentTime = audio.currentTime;
                                         out.error = audio.error ? audio.error.code + ' ' + audio.error.message : null; resolve(out); };
              const metadata = () => audio.readyState >= 1 && isFinite(audio.duration);
              const start = () => {
                out.readyStateAtLoad = audio.readyState; out.duration = audio.duration;
                if (!(audio.duration > 1)) return finish('duration');
                audio.addEventListener('ended', () => { out.playedSeconds = (performance.now() - t0) / 1000; finish('ended'); });
                audio.addEventListener('error', () => finish('error'));
                audio.currentTime = 0;
                audio.playbackRate = 16;
                const t0 = performance.now();
                audio.play().then(() => out.events.push('playing'), (e) => { out.playError = String(e); finish('play refused'); });
                setTimeout(() => finish('timeout while playing'), (audio.duration / 16 + 30) * 1000);
              };
              if (audio.error) return finish('error');
              if (metadata()) return start();
              audio.addEventListener('loadedmetadata', () => { if (metadata()) start(); else finish('duration'); }, { once: true });
              audio.addEventListener('error', () => finish('error'), { once: true });
              setTimeout(() => { if (out.end == null) finish('timeout loading'); }, 30000);
              audio.load();
            });
            (async () => { const all = []; for (const a of audios) all.push(await one(a)); return all; })().then(done);""")
        if not self.result(len(results) > 0, f"{name}: audio players shown", f"{len(results)} audio elements"):
            return
        for a in results:
            loaded = a.get("readyStateAtLoad", 0) >= 1 and a.get("duration") is not None and a["duration"] > 1
            self.result(loaded, f"{name}: sample {a['index']} audio loads",
                        f"readyState {a.get('readyStateAtLoad')}, duration {a.get('duration')} s, {a['src']}"
                        + (f", error {a['error']}" if a.get("error") else ""))
            if loaded:
                self.result(a["end"] == "ended", f"{name}: sample {a['index']} audio plays to its end",
                            f"{a['end']} at {a.get('currentTime')} of {a.get('duration')} s"
                            + (f" in {a['playedSeconds']:.1f} s at 16x" if a.get("playedSeconds") else "")
                            + (f", {a['playError']}" if a.get("playError") else "")
                            + (f", error {a['error']}" if a.get("error") else ""))

    def check_downloads(self, name):
        d = self.driver
        links = d.execute_async_script("""
            const done = arguments[arguments.length - 1];
            const links = [...document.querySelectorAll('p.downloads a')];
            Promise.all(links.map(async (a) => {
              try {
                const r = await fetch(a.href, { credentials: 'same-origin' });
                const bytes = (await r.arrayBuffer()).byteLength;
                return { href: a.getAttribute('href'), download: a.getAttribute('download'), status: r.status, bytes,
                         type: r.headers.get('content-type') };
              } catch (e) { return { href: a.getAttribute('href'), status: 0, bytes: 0, error: String(e) }; }
            })).then(done);""")
        if not self.result(len(links) > 0, f"{name}: download links shown", f"{len(links)} links"):
            return
        bad = [l for l in links if l["status"] != 200 or l["bytes"] <= 0]
        kinds = sorted({re.sub(r"^sample-\d+\.", "", l.get("download") or "") for l in links})
        self.result(not bad, f"{name}: every download answers 200 with a body",
                    f"{len(links)} links ({', '.join(kinds)})" + (f"; bad: {bad}" if bad else ""))

    # ---- the checks

    def check_folk(self):
        self.enter("folk")
        d = self.driver
        form = self.open_ask("folk")
        self.screenshot("ask")
        for select_name, value in [("meter", "6/8"), ("mode", "minor"), ("key", "E")]:
            node = form.find_elements(By.CSS_SELECTOR, f"select[name={select_name}]")
            values = [o.get_attribute("value") for o in Select(node[0]).options] if node else []
            if not self.result(value in values, f"folk: {select_name} offers {value}", f"options {values}"):
                return
            Select(node[0]).select_by_value(value)
        formats = [n.get_attribute("value") for n in d.find_elements(By.CSS_SELECTOR, "input[name=format]:checked")]
        self.result(sorted(formats) == sorted(["abc", "svg", "ogg", "midi"]), "folk: default formats",
                    ", ".join(formats))
        self.screenshot("ask-folk-filled")
        job_id, state = self.submit_and_follow("folk")
        if not self.result(state == "done", "folk: job done", f"{job_id}: {state}"):
            return
        self.folk_job = job_id
        meta = d.find_element(By.CSS_SELECTOR, "#job p.meta").text
        described = [e.text for e in d.find_elements(By.CSS_SELECTOR, "article.sample p.meta")]
        self.result(all("6/8" in t and "minor" in t and "key of E" in t for t in described) and described,
                    "folk: samples are in 6/8, minor, key of E", f"{meta} | {described}")
        self.check_pictures("folk")
        self.check_audio("folk")
        self.check_downloads("folk")
        self.result(bool(d.find_elements(By.ID, "again")), "folk: 'Again with another seed' button shown")

    def check_text(self):
        self.enter("text")
        d = self.driver
        form = self.open_ask("shakespeare")
        prime = form.find_elements(By.CSS_SELECTOR, "textarea[name=prime]")
        if not self.result(bool(prime), "text: prime textarea shown for shakespeare"):
            return
        prime[0].send_keys("ROMEO:")
        length = form.find_element(By.CSS_SELECTOR, "input[name=length]")
        length.clear()
        length.send_keys("200")
        formats = [n.get_attribute("value") for n in d.find_elements(By.CSS_SELECTOR, "input[name=format]:checked")]
        self.result(formats == ["text"], "text: default format is text", ", ".join(formats))
        job_id, state = self.submit_and_follow("text")
        if not self.result(state == "done", "text: job done", f"{job_id}: {state}"):
            return
        try:
            self.wait(lambda d: d.find_elements(By.CSS_SELECTOR, "article.sample pre")
                      and all(p.text not in ("", "…") for p in d.find_elements(By.CSS_SELECTOR, "article.sample pre")),
                      15, "the text did not arrive")
        except TimeoutException:
            pass
        job = self.api("/api/jobs/" + job_id)["job"]
        self.result(job.get("length") == 200 and job.get("prime") == "ROMEO:", "text: the job carries the form's prime and length",
                    json.dumps(job))
        texts = [p.get_attribute("textContent") for p in d.find_elements(By.CSS_SELECTOR, "article.sample pre")]
        self.screenshot("job-text")
        self.result(bool(texts) and all(t.startswith("ROMEO:") and len(t) > len("ROMEO:") for t in texts),
                    "text: the sample shows in a <pre> starting with ROMEO:",
                    f"{len(texts)} pre: " + " | ".join(repr(t[:60]) for t in texts))
        self.check_downloads("text")

    def check_harmonize(self):
        self.enter("harmonize")
        d = self.driver
        form = self.open_ask("chorales")
        box = form.find_elements(By.CSS_SELECTOR, "textarea[name=harmonize]")
        upload = form.find_elements(By.ID, "f-harmonize-file")
        if not self.result(bool(box) and bool(upload), "harmonize: melody textarea and file input shown for chorales"):
            return
        path = os.path.join(self.args.artefacts, "melody.abc")
        with open(path, "w") as f:
            f.write(MELODY)
        upload[0].send_keys(path)
        try:
            self.wait(lambda d: box[0].get_attribute("value").strip() == MELODY.strip(), 10, "")
            self.result(True, "harmonize: the file input fills the textarea")
        except TimeoutException:
            self.result(False, "harmonize: the file input fills the textarea", repr(box[0].get_attribute("value")))
            box[0].clear()
            box[0].send_keys(MELODY)
        self.screenshot("ask-chorales-filled")
        job_id, state = self.submit_and_follow("harmonize")
        if not self.result(state == "done", "harmonize: job done", f"{job_id}: {state}"):
            return
        described = [e.text for e in d.find_elements(By.CSS_SELECTOR, "article.sample p.meta")]
        self.result(bool(described) and all("4/4" in t and "4 bars" in t for t in described),
                    "harmonize: samples are the melody's 4 bars of 4/4", " | ".join(described))
        self.check_pictures("harmonize")
        self.check_audio("harmonize")
        self.check_downloads("harmonize")

    def refused(self, what, field, prepare):
        d = self.driver
        form = self.open_ask("folk")
        before = self.job_count()
        prepare(form)
        d.find_element(By.ID, "submit").click()
        selector = f'.error[data-for="{field}"]'
        try:
            self.wait(lambda d: d.find_element(By.CSS_SELECTOR, selector).text.strip(), 15, "")
        except TimeoutException:
            pass
        time.sleep(1)  # a job page would have opened by now
        text = d.find_element(By.CSS_SELECTOR, selector).text.strip() if d.find_elements(By.CSS_SELECTOR, selector) else ""
        others = {e.get_attribute("data-for"): e.text for e in d.find_elements(By.CSS_SELECTOR, "#ask-form .error") if e.text}
        self.screenshot("ask-refused-" + field)
        self.result(bool(text) and "/jobs/" not in d.current_url, f"refusal: {what}: error beside the {field} field",
                    f"{text!r}" + (f"; other errors {others}" if set(others) - {field} else "") + f"; at {d.current_url}")
        after = self.job_count()
        self.result(after == before, f"refusal: {what}: no job submitted", f"(listed, in the spool) {before} before, {after} after")

    def check_refusal(self):
        self.enter("refusal")

        def seed(form):
            self.driver.execute_script("arguments[0].value = '-5'", form.find_element(By.CSS_SELECTOR, "input[name=seed]"))

        def instrument(form):
            node = form.find_elements(By.CSS_SELECTOR, "input[name=instrument]")
            node[0].send_keys("kazooo")

        self.refused("seed -5", "seed", seed)
        self.refused("instrument kazooo", "instrument", instrument)

    def check_again(self):
        self.enter("again")
        d = self.driver
        if not self.result(self.folk_job is not None, "again: the folk job is there to start from"):
            return
        d.get(self.base + "/jobs/" + self.folk_job)
        try:
            self.wait(lambda d: d.find_elements(By.ID, "again"), 20, "")
        except TimeoutException:
            self.result(False, "again: button shown on the folk job's page")
            return
        old_seed = self.api("/api/jobs/" + self.folk_job)["result"]["seed"]
        d.find_element(By.ID, "again").click()
        try:
            self.wait(lambda d: "/jobs/" in d.current_url and not d.current_url.endswith("/jobs/" + self.folk_job), 20, "")
        except TimeoutException:
            errors = [e.text for e in d.find_elements(By.CSS_SELECTOR, "#job .error")]
            self.result(False, "again: a new job page opens", f"still at {d.current_url}; {errors}")
            return
        job_id, state = self.follow("again")
        if not self.result(state == "done", "again: new job done", f"{job_id}: {state}"):
            return
        new = self.api("/api/jobs/" + job_id)
        old = self.api("/api/jobs/" + self.folk_job)
        same = {k: v for k, v in old["job"].items() if k != "seed"} == {k: v for k, v in new["job"].items() if k != "seed"}
        self.result(new["result"]["seed"] != old_seed and same, "again: same job with another seed",
                    f"seed {old_seed} -> {new['result']['seed']}; job {new['job']}")
        self.check_pictures("again")

    def check_job_list(self):
        self.enter("list")
        d = self.driver
        if not self.jobs:
            return
        d.get(self.base + "/")
        try:
            self.wait(lambda d: d.find_elements(By.CSS_SELECTOR, "#jobs tbody tr"), 10, "")
        except TimeoutException:
            pass
        rows = d.find_elements(By.CSS_SELECTOR, "#jobs tbody tr")
        ids = [r.get_attribute("data-id") for r in rows]
        self.screenshot("ask-list")
        missing = [j for j in self.jobs if j not in ids]
        self.result(not missing, "list: the jobs submitted show in #jobs", (f"missing {missing}; " if missing else "") +
                    f"{len(rows)} rows: " + "; ".join(r.text.replace("\n", " ") for r in rows[:6]))

    def check_console(self):
        self.enter("end")
        path = os.path.join(self.args.artefacts, "console.log")
        with open(path, "w") as f:
            for phase, e in self.console:
                f.write(f"[{phase}] {e['level']} {e.get('source', '')} {e['message']}\n")
        errors = [(p, e) for p, e in self.console if e["level"] == "SEVERE"]
        # The refusals answer 400, which Chrome logs as a failed resource load.
        unexpected = [(p, e) for p, e in errors
                      if not (p == "refusal" and "/api/jobs" in e["message"] and "status of 4" in e["message"])
                      and "/favicon.ico" not in e["message"]]
        if any("/favicon.ico" in e["message"] for _, e in errors):
            print("note: the browser asks for /favicon.ico and gets 404 (the page names no icon)", flush=True)
        self.result(not unexpected, "console: no unexpected errors",
                    f"{len(self.console)} entries, {len(errors)} errors, in {path}"
                    + "".join(f"\n    [{p}] {e['message']}" for p, e in unexpected))

    def run(self, only):
        for name in ALL:
            if name in only:
                try:
                    getattr(self, "check_" + name)()
                except Exception as error:  # a broken page must not stop the other checks
                    self.result(False, f"{name}: ran without an exception", f"{type(error).__name__}: {error}")
                    traceback.print_exc()
                    self.screenshot("error-" + name)
        try:
            self.check_job_list()
        except Exception as error:
            self.result(False, "list: ran without an exception", f"{type(error).__name__}: {error}")
        self.check_console()


def main():
    ap = argparse.ArgumentParser(description="Drive the page of recur web in headless Chromium.")
    ap.add_argument("--url", required=True, help="the page, as recur web prints it")
    ap.add_argument("--artefacts", required=True)
    ap.add_argument("--spool", help="the spool behind the server: the refusals count its jobs too")
    ap.add_argument("--inject", help="a JavaScript file run before every page's own script (to look past a known bug)")
    ap.add_argument("--profile", help="Chromium's user data directory (a temporary one)")
    ap.add_argument("--only", default=",".join(ALL))
    ap.add_argument("--timeout", type=float, default=120, help="seconds for a job to be done")
    ap.add_argument("--chromium", default="/usr/bin/chromium")
    ap.add_argument("--chromedriver", default="/usr/bin/chromedriver")
    args = ap.parse_args()
    os.makedirs(args.artefacts, exist_ok=True)
    only = set(args.only.split(","))
    if only - set(ALL):
        ap.error(f"--only takes {', '.join(ALL)}")
    if "again" in only:
        only.add("folk")
    run = Run(args)
    try:
        run.run(only)
    finally:
        run.driver.quit()
    print(f"{'FAIL' if run.failures else 'PASS'} browser-check: {run.failures} checks failed", flush=True)
    return 1 if run.failures else 0


if __name__ == "__main__":
    sys.exit(main())
