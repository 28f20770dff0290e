/// The page's style sheet: readable type, a form in a grid, one card per sample.
enum PageStyle {
    static let css = """
        :root { --ink: #1d232a; --quiet: #5d6873; --line: #d8dde2; --paper: #fbfaf7; --accent: #7a3b12; --bad: #a4161a; }
        * { box-sizing: border-box; }
        body { margin: 0; font: 16px/1.5 system-ui, sans-serif; color: var(--ink); background: var(--paper); }
        header { display: flex; gap: 1em; align-items: baseline; padding: .8em 1.5em; border-bottom: 1px solid var(--line); }
        .brand { font-weight: 700; font-size: 1.3em; color: var(--accent); text-decoration: none; }
        .tagline, .quiet { color: var(--quiet); }
        main { max-width: 68em; margin: 0 auto; padding: 1em 1.5em 3em; }
        h1 { font-size: 1.4em; margin: .6em 0; } h2 { font-size: 1.15em; margin: 1.2em 0 .4em; }
        form.ask { display: grid; grid-template-columns: 11em 1fr; gap: .55em 1em; align-items: start; max-width: 46em; }
        form.ask label { padding-top: .3em; font-weight: 600; }
        input, select, textarea, button { font: inherit; }
        input[type=number] { width: 8em; } textarea { width: 100%; min-height: 4em; }
        .field { display: flex; flex-wrap: wrap; gap: .5em; align-items: center; }
        .field .error { flex-basis: 100%; }
        .error { color: var(--bad); font-size: .92em; }
        .error:empty { display: none; }
        .hint { color: var(--quiet); font-size: .9em; }
        button { padding: .35em .9em; border: 1px solid var(--accent); background: #fff; color: var(--accent); border-radius: 4px; cursor: pointer; }
        button.primary { background: var(--accent); color: #fff; }
        table { border-collapse: collapse; width: 100%; }
        th, td { text-align: left; padding: .3em .6em; border-bottom: 1px solid var(--line); vertical-align: top; }
        .state-done { color: #2b6a30; } .state-failed { color: var(--bad); } .state-running { color: var(--accent); }
        .sample { border: 1px solid var(--line); border-radius: 6px; background: #fff; padding: .8em 1em; margin: 1em 0; }
        .sample img { max-width: 100%; display: block; margin: .5em 0; background: #fff; }
        .sample audio { width: 100%; margin: .4em 0; }
        .sample pre, pre.text { white-space: pre-wrap; background: #f3f1ec; padding: .7em; border-radius: 4px; }
        .meta { color: var(--quiet); }
        .downloads a { margin-right: .9em; }
        dialog { border: 1px solid var(--line); border-radius: 6px; }

        """
}
