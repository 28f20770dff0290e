import Foundation
import Hummingbird

/// Who may use the server: with a token, every API request must carry it (as
/// `Authorization: Bearer TOKEN`, or the cookie the page sets once it was asked for it);
/// any request that changes something must come from this server's own pages, not
/// another site's (Origin and Sec-Fetch-Site).
///
/// The pages themselves (HTML, script, style: the same for everyone, and no data) are
/// served without the token, so that the page can ask for it.
struct WebAccess<Context: RequestContext>: RouterMiddleware {
    let token: String?

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        if request.method != .get && request.method != .head && !Self.isSameOrigin(request) {
            return WebResponse.problem(
                .forbidden, "The request comes from another site's page.",
                hint: "Submit jobs from this server's own page, or from a program that sends no Origin header.")
        }
        if let token, isProtected(request.uri.path), !Self.carries(token, request) {
            return WebResponse.problem(
                .unauthorized, "This server needs its access token.",
                hint: "Send \"Authorization: Bearer TOKEN\" with the token the operator gave --token, or enter it on the page.",
                headers: [.wwwAuthenticate: "Bearer realm=\"recur\""])
        }
        return try await next(request, context)
    }

    private func isProtected(_ path: String) -> Bool {
        path.hasPrefix("/api/") || path == "/metrics"
    }

    /// Whether the token came with the request, compared in time that does not depend
    /// on where the first difference is.
    static func carries(_ token: String, _ request: Request) -> Bool {
        var offered: [String] = []
        if let header = request.headers[.authorization], header.lowercased().hasPrefix("bearer ") {
            offered.append(String(header.dropFirst("bearer ".count)).trimmingCharacters(in: .whitespaces))
        }
        if let cookie = request.cookies[AccessToken.cookieName] { offered.append(cookie.value) }
        return offered.contains { AccessToken.constantTimeEqual($0, token) }
    }

    /// A browser names the page a request came from; a request without either header
    /// comes from a program, which a cross-site page cannot make.
    static func isSameOrigin(_ request: Request) -> Bool {
        let site = request.headers.first { $0.name.canonicalName == "sec-fetch-site" }?.value
        if site == "cross-site" || site == "same-site" {
            return false
        }
        guard let origin = request.headers[.origin] else { return true }
        guard let host = request.head.authority else { return false }
        return origin == "http://" + host || origin == "https://" + host
    }
}

/// The token's cookie and its comparison.
enum AccessToken {
    /// The cookie the page's `POST /api/session` sets.
    static let cookieName = "recur_token"

    /// Equality whose time does not depend on where the first difference is, so that the
    /// token cannot be found a character at a time.
    static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8)
        let y = Array(b.utf8)
        var difference = UInt8(x.count == y.count ? 0 : 1)
        for index in 0..<max(x.count, y.count) {
            difference |= (index < x.count ? x[index] : 0) ^ (index < y.count ? y[index] : 0)
        }
        return difference == 0
    }
}
