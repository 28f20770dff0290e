import Hummingbird

/// The page: one HTML shell for every address a person opens (`/` to ask, `/jobs/ID` to
/// look and listen), a script and a style sheet, all compiled into the binary. The shell
/// holds no data; the script fetches it from the API.
struct PageRoutes: Sendable {
    func add(to router: Router<BasicRequestContext>) {
        router.get("/") { _, _ in Self.page(PageShell.html, type: "text/html; charset=utf-8") }
        router.get("/jobs/:id") { _, _ in Self.page(PageShell.html, type: "text/html; charset=utf-8") }
        router.get("/static/app.js") { _, _ in
            Self.page(AskScript.source + "\n" + JobScript.source, type: "text/javascript; charset=utf-8")
        }
        router.get("/static/style.css") { _, _ in Self.page(PageStyle.css, type: "text/css; charset=utf-8") }
    }

    /// Only this server's script and style run, and the page is never framed.
    static let policy =
        "default-src 'self'; img-src 'self' data: blob:; media-src 'self' blob:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"

    static func page(_ text: String, type: String) -> Response {
        WebResponse.text(
            text, contentType: type,
            headers: [
                .contentSecurityPolicy: policy, .xContentTypeOptions: "nosniff", .init("Referrer-Policy")!: "no-referrer",
                .cacheControl: "no-cache",
            ])
    }
}

/// The HTML every page starts from.
enum PageShell {
    static let html = """
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>Recur</title>
        <link rel="icon" href="data:,">
        <link rel="stylesheet" href="/static/style.css">
        <script src="/static/app.js" defer></script>
        </head>
        <body>
        <header><a href="/" class="brand">Recur</a><span class="tagline">tunes and texts from recurrent networks</span></header>
        <main id="main"><p class="quiet">Loading…</p></main>
        <dialog id="token-dialog">
        <form id="token-form" method="dialog">
        <p>This server needs its access token.</p>
        <input type="text" name="username" value="recur" autocomplete="username" hidden>
        <input id="token-input" type="password" autocomplete="current-password" placeholder="token" required>
        <button type="submit">Enter</button>
        <p class="error" id="token-error"></p>
        </form>
        </dialog>
        </body>
        </html>

        """
}
