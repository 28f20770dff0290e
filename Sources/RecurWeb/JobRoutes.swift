import Foundation
import Hummingbird
import RecurSpool

/// `/api/jobs…`: submit, list, follow and download (docs/openapi.yaml).
struct JobRoutes: Sendable {
    let intake: JobIntake
    let browser: SpoolBrowser
    let configuration: WebConfiguration
    let fileIO = FileIO()

    func add(to router: Router<BasicRequestContext>) {
        router.post("/api/jobs") { request, context in try await submit(request, context: context) }
        router.get("/api/jobs") { request, _ in list(request) }
        router.get("/api/jobs/:id") { _, context in await show(context.parameters.get("id")) }
        router.get("/api/jobs/:id/files/:name") { request, context in
            try await file(request, context: context, id: context.parameters.get("id"), name: context.parameters.get("name"))
        }
    }

    private func submit(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let limit = min(configuration.maximumBodyBytes, intake.limits.maximumFileBytes)
        // Read up to the limit and no further: a larger body is refused without being stored.
        var body = ByteBuffer()
        for try await part in request.body {
            guard body.readableBytes + part.readableBytes <= limit else {
                return WebResponse.problem(
                    .contentTooLarge, "The request body is larger than the \(limit) bytes allowed.",
                    hint: "A job is a small JSON object; send a shorter prime or melody.")
            }
            var part = part
            body.writeBuffer(&part)
        }
        do throws(JobIntake.Refusal) {
            let id = try intake.submit(Data(buffer: body))
            context.logger.info("submitted job \(id)")
            return WebResponse.json(
                ["id": id, "url": "/api/jobs/" + Self.escaped(id), "page": "/jobs/" + Self.escaped(id)], status: .created,
                headers: [.location: "/api/jobs/" + Self.escaped(id)])
        } catch {
            switch error {
            case .invalid(let jobError):
                return WebResponse.jobError(jobError)
            case .queueFull(let queued):
                return WebResponse.problem(
                    .tooManyRequests, "The queue is full: \(queued) jobs wait for the daemons.",
                    hint: "Try again after a while; the operator sets the limit with --max-queued.",
                    headers: [.retryAfter: "10"])
            case .spool(let spoolError):
                context.logger.error("cannot submit a job: \(spoolError)")
                return WebResponse.problem(
                    .serviceUnavailable, "The spool could not take the job: \(spoolError.description).",
                    hint: "Try again later; the operator should check the spool's filesystem.",
                    headers: [.retryAfter: "30"])
            }
        }
    }

    private func list(_ request: Request) -> Response {
        let asked = request.uri.queryParameters.get("limit").flatMap { Int($0) } ?? 50
        let limit = max(1, min(asked, configuration.maximumListed))
        let status = DaemonStatusSnapshot(layout: browser.layout)
        let jobs = browser.list(limit: limit).map { summary(of: $0, status: status) }
        return WebResponse.json(["jobs": jobs, "queued": browser.layout.waitingJobCount()])
    }

    /// One line of the list: the state, the model, and what a person wants at a glance.
    private func summary(of state: JobState, status: DaemonStatusSnapshot) -> [String: Any] {
        var object: [String: Any] = ["id": state.id, "state": state.phase.rawValue]
        switch state.phase {
        case .done:
            let result = SpoolBrowser.readObject(state.path + "/result.json")
            object["model"] = (result?["model"] as? [String: Any])?["name"]
            object["samples"] = (result?["samples"] as? [Any])?.count
            object["formats"] = result?["formats"]
        case .failed:
            object["error"] = SpoolBrowser.readObject(state.path + "/error.json")?["error"]
            object["model"] = SpoolBrowser.readObject(state.path + "/job.json", limit: 1 << 20)?["model"]
        case .queued, .running:
            object["model"] = SpoolBrowser.readObject(state.path, limit: 1 << 20)?["model"]
            if let progress = status.progress(of: state.id) { object["progress"] = progress }
        }
        return object
    }

    private func show(_ rawID: String?) async -> Response {
        guard let id = rawID.flatMap(Self.unescaped), let state = await browser.state(of: id) else {
            return Self.noSuchJob(rawID)
        }
        var object: [String: Any] = ["id": id, "state": state.phase.rawValue]
        switch state.phase {
        case .done:
            // The daemon's own files, written whole by rename: passed on as they are.
            if let result = SpoolBrowser.readRegularFile(state.path + "/result.json", limit: SpoolBrowser.resultLimit),
                let job = SpoolBrowser.readRegularFile(state.path + "/job.json", limit: 1 << 20),
                Self.looksLikeObject(result), Self.looksLikeObject(job)
            {
                return WebResponse.splicing(["id": id, "state": "done"], raw: ["job": job, "result": result])
            }
            object["result"] = SpoolBrowser.readObject(state.path + "/result.json") ?? NSNull()
            object["job"] = SpoolBrowser.readObject(state.path + "/job.json", limit: 1 << 20) ?? NSNull()
        case .failed:
            object["error"] = SpoolBrowser.readObject(state.path + "/error.json") ?? NSNull()
            object["job"] = SpoolBrowser.readObject(state.path + "/job.json", limit: 1 << 20) ?? NSNull()
        case .queued, .running:
            object["job"] = SpoolBrowser.readObject(state.path, limit: 1 << 20) ?? NSNull()
            if let progress = DaemonStatusSnapshot(layout: browser.layout).progress(of: id) { object["progress"] = progress }
        }
        return WebResponse.json(object)
    }

    private func file(_ request: Request, context: BasicRequestContext, id rawID: String?, name rawName: String?) async throws
        -> Response
    {
        guard let id = rawID.flatMap(Self.unescaped), let state = await browser.state(of: id) else {
            return Self.noSuchJob(rawID)
        }
        let name = rawName.flatMap(Self.unescaped) ?? ""
        let result = state.phase == .done ? SpoolBrowser.readObject(state.path + "/result.json") : nil
        let path = state.path + "/" + name
        guard SpoolBrowser.servableNames(of: state, result: result).contains(name),
            let size = SpoolBrowser.regularFileSize(path)
        else {
            return WebResponse.problem(
                .notFound, "Job \(id) has no file called \"\(name)\".",
                hint: "Ask for one of the files its result.json lists (GET /api/jobs/\(Self.escaped(id))).")
        }
        var headers: HTTPFields = [
            .contentType: WebResponse.contentType(forFileNamed: name), .acceptRanges: "bytes",
            .cacheControl: "private, max-age=3600",
            // A file of the spool is shown, never run: an SVG's script stays inert.
            .contentSecurityPolicy: "default-src 'none'; style-src 'unsafe-inline'; sandbox",
        ]
        switch ByteRange(header: request.headers[.range], size: size) {
        case .unsatisfiable:
            headers[.contentRange] = "bytes */\(size)"
            return Response(status: .rangeNotSatisfiable, headers: headers)
        case .part(let range):
            headers[.contentRange] = "bytes \(range.lowerBound)-\(range.upperBound)/\(size)"
            headers[.contentLength] = String(range.count)
            let body = try await fileIO.loadFile(path: path, range: range, context: context)
            return Response(status: .partialContent, headers: headers, body: body)
        case .whole:
            headers[.contentLength] = String(size)
            guard size > 0 else { return Response(status: .ok, headers: headers) }
            let body = try await fileIO.loadFile(path: path, context: context)
            return Response(status: .ok, headers: headers, body: body)
        }
    }

    /// Whether `data` is framed as one JSON object (`{` … `}` around white space): the
    /// daemon's files always are; anything else is parsed instead of passed on.
    static func looksLikeObject(_ data: Data) -> Bool {
        let space: Set<UInt8> = [0x20, 0x0A, 0x0D, 0x09]
        return data.first(where: { !space.contains($0) }) == UInt8(ascii: "{")
            && data.last(where: { !space.contains($0) }) == UInt8(ascii: "}")
    }

    static func noSuchJob(_ rawID: String?) -> Response {
        WebResponse.problem(
            .notFound, "There is no job \"\(rawID ?? "")\" in the spool.",
            hint: "Use an ID that POST /api/jobs or `recur submit` returned; GET /api/jobs lists them.")
    }

    /// A path segment as sent, percent-decoded; nil when it does not decode.
    static func unescaped(_ segment: String) -> String? { segment.removingPercentEncoding }

    /// An ID as a path segment.
    static func escaped(_ id: String) -> String {
        id.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(CharacterSet(charactersIn: "/?#"))) ?? id
    }
}

/// The daemon's last status.json, read once per request, for the progress of running jobs.
struct DaemonStatusSnapshot {
    let status: DaemonStatus?

    init(layout: SpoolLayout) {
        status = DaemonStatus.read(from: layout)?.status
    }

    func progress(of id: String) -> [String: Any]? {
        guard let job = status?.running.first(where: { $0.id == id }) else { return nil }
        return ["samples": job.samples, "samples_done": job.samplesDone ?? NSNull(), "daemon": status?.daemon ?? ""]
    }
}
