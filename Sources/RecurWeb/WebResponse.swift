import Foundation
import Hummingbird
import RecurCore
import RecurSpool

/// The responses the server builds: JSON with sorted keys, and errors in the shape of
/// error.json (`error`, `field`, `value`, `hint`), so a program reads one kind of error.
enum WebResponse {
    static func json(_ object: Any, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) -> Response {
        let data =
            (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]))
            ?? Data("{}".utf8)
        var fields = headers
        fields[.contentType] = "application/json; charset=utf-8"
        fields[.cacheControl] = "no-store"
        return Response(status: status, headers: fields, body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// A JSON object of `object`'s members and, after them, `raw`'s values as they are:
    /// JSON documents read from the spool, which need not be parsed only to be written
    /// again. Each must be one JSON value.
    static func splicing(_ object: [String: Any], raw: [String: Data]) -> Response {
        var data =
            (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]))
            ?? Data("{}".utf8)
        data.removeLast()  // the closing brace
        for (key, value) in raw.sorted(by: { $0.key < $1.key }) {
            data.append(contentsOf: Array(",\(JSONText.quoted(key)):".utf8))
            data.append(value)
        }
        data.append(UInt8(ascii: "}"))
        return Response(
            status: .ok, headers: [.contentType: "application/json; charset=utf-8", .cacheControl: "no-store"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// A job refused as error.json would say it.
    static func jobError(_ error: JobError, status: HTTPResponse.Status = .badRequest) -> Response {
        let object = (try? JSONSerialization.jsonObject(with: error.json())) ?? [:]
        return json(object, status: status)
    }

    /// Any other refusal, in the same four keys.
    static func problem(
        _ status: HTTPResponse.Status, _ message: String, hint: String, field: String? = nil, headers: HTTPFields = [:]
    ) -> Response {
        json(
            ["error": message, "field": field ?? NSNull(), "value": NSNull(), "hint": hint] as [String: Any],
            status: status, headers: headers)
    }

    static func text(_ text: String, contentType: String, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:])
        -> Response
    {
        var fields = headers
        fields[.contentType] = contentType
        return Response(status: status, headers: fields, body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }

    /// The media type of a file the spool serves, by its extension.
    static func contentType(forFileNamed name: String) -> String {
        let lower = name.lowercased()
        let types: [(String, String)] = [
            (".json", "application/json; charset=utf-8"), (".txt", "text/plain; charset=utf-8"),
            (".wav", "audio/wav"), (".flac", "audio/flac"), (".ogg", "audio/ogg"), (".mp3", "audio/mpeg"),
            (".mid", "audio/midi"), (".abc", "text/vnd.abc; charset=utf-8"), (".svg", "image/svg+xml"),
            (".musicxml", "application/vnd.recordare.musicxml+xml"), (".pdf", "application/pdf"),
        ]
        return types.first { lower.hasSuffix($0.0) }?.1 ?? "application/octet-stream"
    }
}
