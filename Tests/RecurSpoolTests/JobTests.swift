import Foundation
import RecurCore
import RecurMusic
import Testing

@testable import RecurSpool

#if canImport(Glibc)
import Glibc
#endif

/// A job file that must be refused, and the field its error must name.
struct HostileJob: Sendable, CustomTestStringConvertible {
    var name: String
    var bytes: Data
    var field: String?
    /// Text the error or the hint must contain, so the message is about the real problem.
    var mentions: [String]
    var limits = JobLimits()

    init(_ name: String, _ json: String, field: String?, mentions: [String] = [], limits: JobLimits = JobLimits()) {
        self.init(name, Data(json.utf8), field: field, mentions: mentions, limits: limits)
    }

    init(_ name: String, _ bytes: Data, field: String?, mentions: [String] = [], limits: JobLimits = JobLimits()) {
        self.name = name
        self.bytes = bytes
        self.field = field
        self.mentions = mentions
        self.limits = limits
    }

    var testDescription: String { name }
}

/// Job files: every hostile file is refused with an error that names the field and
/// the fix; valid files parse to the expected `Job`; `prepared(for:)` checks the model.
struct JobTests {
    // MARK: Hostile content

    static let fileLevel: [HostileJob] = [
        HostileJob("empty file", "", field: nil, mentions: ["empty", "{\"model\""]),
        HostileJob("whitespace only", " \n\t \r\n", field: nil, mentions: ["whitespace"]),
        HostileJob(
            "binary junk", Data([0x7F, 0x45, 0x4C, 0x46, 0x02, 0x01, 0x00, 0x00, 0xFF, 0xFE]), field: nil, mentions: ["binary"]),
        HostileJob(
            "invalid UTF-8", Data("{\"model\": \"caf".utf8) + Data([0xE9]) + Data("\"}".utf8), field: nil,
            mentions: ["UTF-8", "offset 14"]),
        HostileJob("Latin-1 high bytes only", Data([0xC0, 0xAF, 0xFE]), field: nil, mentions: ["UTF-8"]),
        HostileJob("truncated JSON", "{\"model\": \"x\", \"count\": 4", field: nil, mentions: ["ends", "line 1"]),
        HostileJob("truncated inside a string", "{\"model\": \"shakesp", field: "model", mentions: ["never closed"]),
        HostileJob("top-level array", "[{\"model\": \"x\"}]", field: nil, mentions: ["an array", "object"]),
        HostileJob("top-level string", "\"shakespeare\"", field: nil, mentions: ["a string"]),
        HostileJob("top-level number", "42", field: nil, mentions: ["a number"]),
        HostileJob("top-level null", "null", field: nil, mentions: ["null"]),
        HostileJob("a word that starts like null", "nope", field: nil, mentions: ["line 1"]),
        HostileJob("words that start like true", "truth be told", field: nil, mentions: ["line 1"]),
        HostileJob("text after the object", "{\"model\": \"x\"} {\"model\": \"y\"}", field: nil, mentions: ["one JSON object"]),
        HostileJob("trailing comma", "{\"model\": \"x\",}", field: nil, mentions: ["trailing comma"]),
        HostileJob("comment", "{\"model\": \"x\" // the model\n}", field: nil, mentions: ["comments"]),
        HostileJob("single quotes", "{'model': 'x'}", field: nil, mentions: ["double quotes"]),
        HostileJob("unquoted key", "{model: \"x\"}", field: nil, mentions: ["double quotes"]),
        HostileJob("missing colon", "{\"model\" \"x\"}", field: "model", mentions: ["colon"]),
        HostileJob("missing comma", "{\"model\": \"x\" \"count\": 2}", field: nil, mentions: ["commas"]),
        HostileJob("leading zero", "{\"model\": \"x\", \"count\": 04}", field: "count", mentions: ["leading zero"]),
        HostileJob("bad escape", "{\"model\": \"a\\qb\"}", field: "model", mentions: ["escape"]),
        HostileJob("lone surrogate", "{\"model\": \"\\ud800\"}", field: "model", mentions: ["surrogate"]),
        HostileJob("raw newline in a string", "{\"model\": \"a\nb\"}", field: "model", mentions: ["\\n"]),
        HostileJob("duplicate key", "{\"model\": \"x\", \"count\": 1, \"count\": 2}", field: "count", mentions: ["twice"]),
        HostileJob("Python literals", "{\"model\": \"x\", \"seed\": None}", field: "seed", mentions: ["lowercase"]),
        HostileJob(
            "too large for the limit", "{\"model\": \"x\", \"prime\": \"\(String(repeating: "a", count: 200))\"}",
            field: nil, mentions: ["100 bytes"],
            limits: {
                var l = JobLimits()
                l.maximumFileBytes = 100
                return l
            }()),
    ]

    static let fields: [HostileJob] = [
        HostileJob("missing model", "{\"count\": 2}", field: nil, mentions: ["\"model\"", "recur models"]),
        HostileJob("model not a string", "{\"model\": 3}", field: "model", mentions: ["a string"]),
        HostileJob("model empty", "{\"model\": \"\"}", field: "model", mentions: ["empty"]),
        HostileJob(
            "model with a slash", "{\"model\": \"../../etc/passwd\"}", field: "model", mentions: ["path", "models directory"]),
        HostileJob("model absolute path", "{\"model\": \"/srv/models/x.safetensors\"}", field: "model", mentions: ["path"]),
        HostileJob("model with ..", "{\"model\": \"..\"}", field: "model", mentions: ["path"]),
        HostileJob("model file name", "{\"model\": \"shakespeare.safetensors\"}", field: "model", mentions: ["\"shakespeare\""]),
        HostileJob("model too long", "{\"model\": \"\(String(repeating: "m", count: 256))\"}", field: "model", mentions: ["255"]),
        HostileJob("model with a newline", "{\"model\": \"a\\nb\"}", field: "model", mentions: ["control"]),
        HostileJob(
            "unknown field", "{\"model\": \"x\", \"temprature\": 0.5}", field: "temprature",
            mentions: ["did you mean \"temperature\"?"]),
        HostileJob(
            "unknown field, camel case", "{\"model\": \"x\", \"topK\": 5}", field: "topK", mentions: ["did you mean \"top_k\"?"]),
        HostileJob("unknown field, transposed", "{\"modle\": \"x\"}", field: "modle", mentions: ["did you mean \"model\"?"]),
        HostileJob(
            "unknown field, nothing near", "{\"model\": \"x\", \"xyzzy\": 1}", field: "xyzzy", mentions: ["temperature, top_k"]),
        HostileJob(
            "unknown render field", "{\"model\": \"x\", \"render\": {\"sample-rate\": 44100}}", field: "render.sample-rate",
            mentions: ["did you mean \"sample_rate\"?"]),
        HostileJob("count 0", "{\"model\": \"x\", \"count\": 0}", field: "count", mentions: ["between 1 and 10000"]),
        HostileJob("count -1", "{\"model\": \"x\", \"count\": -1}", field: "count", mentions: ["between 1 and"]),
        HostileJob("count 2.5", "{\"model\": \"x\", \"count\": 2.5}", field: "count", mentions: ["whole number"]),
        HostileJob("count 2.0", "{\"model\": \"x\", \"count\": 2.0}", field: "count", mentions: ["whole number"]),
        HostileJob("count 1e2", "{\"model\": \"x\", \"count\": 1e2}", field: "count", mentions: ["exponent"]),
        HostileJob(
            "count \"3\"", "{\"model\": \"x\", \"count\": \"3\"}", field: "count", mentions: ["without quotes", "\"count\": 3"]),
        HostileJob("count true", "{\"model\": \"x\", \"count\": true}", field: "count", mentions: ["boolean"]),
        HostileJob("count 10^12", "{\"model\": \"x\", \"count\": 1000000000000}", field: "count", mentions: ["between 1 and"]),
        HostileJob(
            "count beyond Int", "{\"model\": \"x\", \"count\": 99999999999999999999999}", field: "count",
            mentions: ["between 1 and"]),
        HostileJob("length 0", "{\"model\": \"x\", \"length\": 0}", field: "length", mentions: ["between 1 and"]),
        HostileJob(
            "count × length too many tokens", "{\"model\": \"x\", \"count\": 10000, \"length\": 1000000}", field: "length",
            mentions: ["count × length"]),
        HostileJob(
            "temperature -1", "{\"model\": \"x\", \"temperature\": -1}", field: "temperature", mentions: ["between 0 and 100"]),
        HostileJob(
            "temperature \"hot\"", "{\"model\": \"x\", \"temperature\": \"hot\"}", field: "temperature", mentions: ["a number"]),
        HostileJob(
            "temperature \"NaN\"", "{\"model\": \"x\", \"temperature\": \"NaN\"}", field: "temperature", mentions: ["0.8"]),
        HostileJob(
            "temperature \"Infinity\"", "{\"model\": \"x\", \"temperature\": \"Infinity\"}", field: "temperature",
            mentions: ["a number"]),
        HostileJob(
            "temperature bare NaN", "{\"model\": \"x\", \"temperature\": NaN}", field: "temperature",
            mentions: ["NaN or Infinity"]),
        HostileJob(
            "temperature -Infinity", "{\"model\": \"x\", \"temperature\": -Infinity}", field: "temperature",
            mentions: ["NaN or Infinity"]),
        HostileJob(
            "temperature 1e999", "{\"model\": \"x\", \"temperature\": 1e999}", field: "temperature",
            mentions: ["between 0 and 100"]),
        HostileJob(
            "harmonize empty", "{\"model\": \"x\", \"harmonize\": \" \"}", field: "harmonize", mentions: ["empty", "n72"]),
        HostileJob("harmonize a number", "{\"model\": \"x\", \"harmonize\": 72}", field: "harmonize", mentions: ["string"]),
        HostileJob("top_k -1", "{\"model\": \"x\", \"top_k\": -1}", field: "top_k", mentions: ["0 or a positive"]),
        HostileJob("top_p 0", "{\"model\": \"x\", \"top_p\": 0}", field: "top_p", mentions: ["greater than 0"]),
        HostileJob("top_p 1.5", "{\"model\": \"x\", \"top_p\": 1.5}", field: "top_p", mentions: ["at most 1"]),
        HostileJob("seed -1", "{\"model\": \"x\", \"seed\": -1}", field: "seed", mentions: ["9223372036854775807"]),
        HostileJob("seed 2^64", "{\"model\": \"x\", \"seed\": 18446744073709551616}", field: "seed", mentions: ["between 0 and"]),
        HostileJob("seed 2^63", "{\"model\": \"x\", \"seed\": 9223372036854775808}", field: "seed", mentions: ["between 0 and"]),
        HostileJob("seed as string", "{\"model\": \"x\", \"seed\": \"7\"}", field: "seed", mentions: ["without quotes"]),
        HostileJob("prime not a string", "{\"model\": \"x\", \"prime\": [\"R\"]}", field: "prime", mentions: ["a string"]),
        HostileJob(
            "prime too long", "{\"model\": \"x\", \"prime\": \"\(String(repeating: "ab", count: 50_001))\"}", field: "prime",
            mentions: ["100002 characters", "100000"]),
        HostileJob("stop not a string", "{\"model\": \"x\", \"stop\": 5}", field: "stop", mentions: ["string or an array"]),
        HostileJob(
            "stop array with a number", "{\"model\": \"x\", \"stop\": [\"\\n\", \"END\", 3]}", field: "stop[2]",
            mentions: ["a string"]),
        HostileJob(
            "stop too many", "{\"model\": \"x\", \"stop\": [\(Array(repeating: "\"a\"", count: 17).joined(separator: ","))]}",
            field: "stop", mentions: ["17 entries", "16"]),
        HostileJob("stop empty entry", "{\"model\": \"x\", \"stop\": [\"\"]}", field: "stop[0]", mentions: ["1 to 1000"]),
        HostileJob(
            "format aiff", "{\"model\": \"x\", \"format\": \"aiff\"}", field: "format",
            mentions: ["text, wav, flac, ogg, mp3, midi, abc, svg"]),
        HostileJob("format WAV", "{\"model\": \"x\", \"format\": \"WAV\"}", field: "format", mentions: ["did you mean \"wav\"?"]),
        HostileJob(
            "format duplicate", "{\"model\": \"x\", \"format\": [\"wav\", \"midi\", \"wav\"]}", field: "format[2]",
            mentions: ["twice"]),
        HostileJob("format []", "{\"model\": \"x\", \"format\": []}", field: "format", mentions: ["empty"]),
        HostileJob("format {}", "{\"model\": \"x\", \"format\": {}}", field: "format", mentions: ["an object"]),
        HostileJob(
            "format array with a number", "{\"model\": \"x\", \"format\": [\"wav\", 1]}", field: "format[1]",
            mentions: ["a string"]),
        HostileJob("render not an object", "{\"model\": \"x\", \"render\": \"fast\"}", field: "render", mentions: ["an object"]),
        HostileJob(
            "render.tempo 0", "{\"model\": \"x\", \"render\": {\"tempo\": 0}}", field: "render.tempo", mentions: ["20…400"]),
        HostileJob(
            "render.tempo string", "{\"model\": \"x\", \"render\": {\"tempo\": \"120\"}}", field: "render.tempo",
            mentions: ["without quotes"]),
        HostileJob(
            "render.sample_rate 7", "{\"model\": \"x\", \"render\": {\"sample_rate\": 7}}", field: "render.sample_rate",
            mentions: ["22050, 44100 or 48000"]),
        HostileJob(
            "render.sample_rate huge", "{\"model\": \"x\", \"render\": {\"sample_rate\": 1000000000000000000000}}",
            field: "render.sample_rate", mentions: ["1000000000000000000000", "44100"]),
        HostileJob(
            "render.instrument kazoo", "{\"model\": \"x\", \"render\": {\"instrument\": \"kazoo\"}}", field: "render.instrument",
            mentions: ["General MIDI", "fiddle"]),
        HostileJob(
            "render.instrument unknown voice", "{\"model\": \"x\", \"render\": {\"instrument\": \"soprano=flute,descant=oboe\"}}",
            field: "render.instrument", mentions: ["descant", "soprano, alto, tenor, bass"]),
        HostileJob(
            "render.instrument two for all", "{\"model\": \"x\", \"render\": {\"instrument\": \"organ,flute\"}}",
            field: "render.instrument", mentions: ["two instruments"]),
        HostileJob(
            "render.synth unknown", "{\"model\": \"x\", \"render\": {\"synth\": \"timidity\"}}", field: "render.synth",
            mentions: ["fluidsynth", "builtin"]),
        HostileJob(
            "render.soundfont relative", "{\"model\": \"x\", \"render\": {\"soundfont\": \"gm.sf2\"}}",
            field: "render.soundfont", mentions: ["absolute path"]),
        HostileJob(
            "render.reverb 2", "{\"model\": \"x\", \"render\": {\"reverb\": 2}}", field: "render.reverb",
            mentions: ["0 (dry) … 1"]),
        HostileJob(
            "render.chorus -1", "{\"model\": \"x\", \"render\": {\"chorus\": -1}}", field: "render.chorus",
            mentions: ["0 (none) … 1"]),
        HostileJob(
            "render.instrument typo", "{\"model\": \"x\", \"render\": {\"instrument\": \"orgna\"}}", field: "render.instrument",
            mentions: ["did you mean \"organ\"?"]),
        HostileJob(
            "render.channels 2.5", "{\"model\": \"x\", \"render\": {\"channels\": 2.5}}", field: "render.channels",
            mentions: ["whole number"]),
        HostileJob(
            "render.velocity 128", "{\"model\": \"x\", \"render\": {\"velocity\": 128}}", field: "render.velocity",
            mentions: ["1…127"]),
        HostileJob(
            "render.swing 2", "{\"model\": \"x\", \"render\": {\"swing\": 2}}", field: "render.swing", mentions: ["triplet"]),
        HostileJob("render.bits 8", "{\"model\": \"x\", \"render\": {\"bits\": 8}}", field: "render.bits", mentions: ["16, 24"]),
        HostileJob(
            "render.bits float with flac", "{\"model\": \"x\", \"format\": \"flac\", \"render\": {\"bits\": \"float\"}}",
            field: "render.bits", mentions: ["FLAC"]),
        HostileJob(
            "render.bits with no WAV or FLAC", "{\"model\": \"x\", \"format\": [\"ogg\"], \"render\": {\"bits\": 24}}",
            field: "render.bits", mentions: ["WAV and FLAC", "ogg"]),
        HostileJob("model null", "{\"model\": null}", field: "model", mentions: ["null is not allowed", "required"]),
        HostileJob("count null", "{\"model\": \"x\", \"count\": null}", field: "count", mentions: ["Leave the field out"]),
        HostileJob("seed null", "{\"model\": \"x\", \"seed\": null}", field: "seed", mentions: ["null is not allowed"]),
        HostileJob("stop null", "{\"model\": \"x\", \"stop\": null}", field: "stop", mentions: ["null is not allowed"]),
        HostileJob(
            "stop entry null", "{\"model\": \"x\", \"stop\": [null]}", field: "stop[0]", mentions: ["null is not allowed"]),
        HostileJob("render null", "{\"model\": \"x\", \"render\": null}", field: "render", mentions: ["null is not allowed"]),
        HostileJob(
            "render.tempo null", "{\"model\": \"x\", \"render\": {\"tempo\": null}}", field: "render.tempo",
            mentions: ["null is not allowed"]),
    ]

    func parseError(_ bytes: Data, limits: JobLimits = JobLimits()) -> JobError? {
        do {
            let job = try JobFile.parse(bytes, limits: limits)
            Issue.record("accepted as \(job)")
            return nil
        } catch {
            return error
        }
    }

    /// What every refusal must have: the field, a sentence, a hint, a short value.
    func expectHelpful(_ error: JobError?, field: String?, mentions: [String], sourceLocation: SourceLocation = #_sourceLocation)
    {
        guard let error else { return }
        #expect(error.field == field, "\(error)", sourceLocation: sourceLocation)
        #expect(error.error.count > 10 && error.error.hasSuffix("."), "\(error)", sourceLocation: sourceLocation)
        #expect(error.hint.count > 10, "\(error)", sourceLocation: sourceLocation)
        #expect((error.value?.count ?? 0) <= JobError.maximumValueLength, sourceLocation: sourceLocation)
        if let field, let top = field.split(whereSeparator: { $0 == "." || $0 == "[" }).first {
            #expect(error.error.contains(top) || error.hint.contains(top), "\(error)", sourceLocation: sourceLocation)
        }
        for text in mentions {
            #expect(
                error.error.contains(text) || error.hint.contains(text) || error.value?.contains(text) == true,
                "missing \(text.debugDescription): \(error)",
                sourceLocation: sourceLocation)
        }
    }

    @Test("a file that is not one JSON object is refused as a whole", arguments: fileLevel)
    func fileLevelProblems(job: HostileJob) {
        expectHelpful(parseError(job.bytes, limits: job.limits), field: job.field, mentions: job.mentions)
    }

    @Test("a wrong field is named, with its value and the fix", arguments: fields)
    func fieldProblems(job: HostileJob) {
        expectHelpful(parseError(job.bytes, limits: job.limits), field: job.field, mentions: job.mentions)
    }

    @Test("100,000 nested arrays are refused at the depth limit, without reading past it or a crash")
    func deepNesting() {
        let depth = 100_000
        let nested =
            "{\"model\": \"x\", \"stop\": " + String(repeating: "[", count: depth) + String(repeating: "]", count: depth) + "}"
        let error = parseError(Data(nested.utf8))
        expectHelpful(error, field: "stop", mentions: ["16 levels"])
        let topLevel = String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
        expectHelpful(parseError(Data(topLevel.utf8)), field: nil, mentions: ["an array"])
        let unclosed = "{\"model\": \"x\", \"render\": " + String(repeating: "{\"a\":", count: depth)
        expectHelpful(parseError(Data(unclosed.utf8)), field: "render", mentions: ["16 levels"])
        // The parser stops at the bracket past the limit: its cost is the limit, not the input.
        var parser = JSONParser(bytes: Array(nested.utf8), maximumDepth: 16)
        #expect(throws: JobError.self) { try parser.parseTopLevelObject() }
        #expect(parser.offset == "{\"model\": \"x\", \"stop\": ".utf8.count + 15)
    }

    @Test func aValueIsShortenedTo80Characters() {
        let long = String(repeating: "z", count: 500)
        let error = parseError(Data("{\"model\": \"x\", \"prime\": 1, \"count\": \"\(long)\"}".utf8))
        expectHelpful(error, field: "count", mentions: ["not a string"])
        #expect(error?.value?.count == JobError.maximumValueLength)
        let stop = parseError(Data("{\"model\": \"x\", \"stop\": [\"\(long)\", 2]}".utf8))
        expectHelpful(stop, field: "stop[1]", mentions: [])
        let tooLong = parseError(Data("{\"model\": \"x\", \"stop\": \"\(String(repeating: "y", count: 1001))\"}".utf8))
        expectHelpful(tooLong, field: "stop", mentions: ["1 to 1000"])
        #expect(tooLong?.value?.count == JobError.maximumValueLength)
        #expect(tooLong?.value?.hasSuffix("…") == true)
    }

    // MARK: Hostile files

    func readError(_ path: String, limits: JobLimits = JobLimits()) -> JobError? {
        do {
            let data = try JobFile.read(path: path, limits: limits)
            Issue.record("read \(data.count) bytes from \(path)")
            return nil
        } catch {
            return error
        }
    }

    func temporaryDirectory() throws -> String {
        let path = NSTemporaryDirectory() + "recur-spool-tests-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    @Test func aValidFileIsReadWhole() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let bytes = Data("{\"model\": \"shakespeare\", \"count\": 2}\n".utf8)
        try bytes.write(to: URL(fileURLWithPath: directory + "/job.json"))
        #expect(try JobFile.read(path: directory + "/job.json", limits: JobLimits()) == bytes)
        var limits = JobLimits()
        limits.maximumFileBytes = bytes.count
        #expect(try JobFile.read(path: directory + "/job.json", limits: limits) == bytes)
    }

    @Test("a 20 MB file is refused by its size before it is read")
    func hugeFile() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/huge.json"
        #expect(FileManager.default.createFile(atPath: path, contents: Data("{\"model\": \"x\"}".utf8)))
        // Sparse: 20 MB that costs no disk and, if it were read, 20 MB of zeros.
        #expect(truncate(path, 20 << 20) == 0)
        // The whole size in the message comes from fstat: a refusal while reading stops one
        // byte past the limit and cannot know it.
        expectHelpful(readError(path), field: nil, mentions: ["1048576 bytes", "20971520 bytes"])
    }

    @Test("a file larger than it claims is cut off while reading")
    func fileThatGrowsWhileRead() throws {
        // Files in /proc report size 0 but have content: fstat alone would let them through.
        var limits = JobLimits()
        limits.maximumFileBytes = 8
        expectHelpful(readError("/proc/self/status", limits: limits), field: nil, mentions: ["8 bytes"])
    }

    @Test("a symlink to a valid job is refused, not followed")
    func symlink() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try Data("{\"model\": \"x\"}".utf8).write(to: URL(fileURLWithPath: directory + "/real.json"))
        try FileManager.default.createSymbolicLink(
            atPath: directory + "/link.json", withDestinationPath: directory + "/real.json")
        let error = readError(directory + "/link.json")
        expectHelpful(error, field: nil, mentions: ["symbolic link"])
        #expect(error?.value == "link.json")
    }

    @Test("a FIFO with no writer is refused without blocking", .timeLimit(.minutes(1)))
    func fifo() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/pipe.json"
        #expect(mkfifo(path, 0o600) == 0)
        // A blocking open would wait for a writer forever; the time limit ends the test then.
        expectHelpful(readError(path), field: nil, mentions: ["FIFO", "regular file"])
    }

    @Test func aDirectoryIsRefused() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try FileManager.default.createDirectory(atPath: directory + "/job.json", withIntermediateDirectories: false)
        expectHelpful(readError(directory + "/job.json"), field: nil, mentions: ["a directory"])
    }

    @Test func aDeviceIsRefused() {
        expectHelpful(readError("/dev/zero"), field: nil, mentions: ["character device"])
    }

    @Test func aVanishedFileIsReported() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        expectHelpful(readError(directory + "/gone.json"), field: nil, mentions: ["disappeared"])
    }

    // MARK: Valid jobs

    @Test("{\"model\": \"x\"} gets every default")
    func minimalJob() throws {
        let job = try JobFile.parse(Data("{\"model\":\"x\"}".utf8), limits: JobLimits())
        #expect(job == Job(model: "x"))
        #expect(job.request == SamplingRequest())
        #expect(job.seed == nil)
        #expect(job.formats == [.text])
        #expect(job.render == RenderConfiguration())
    }

    @Test("the DESIGN.md §7 example parses to the Job it describes")
    func designExample() throws {
        let text = """
            { "model": "shakespeare", "count": 4, "length": 400, "temperature": 0.8,
              "top_k": 0, "top_p": 1.0, "prime": "ROMEO:", "stop": ["\\n\\n"], "seed": 7,
              "format": "text",
              "render": { "tempo": 120, "instrument": "pluck", "sample_rate": 44100 } }
            """
        let job = try JobFile.parse(Data(text.utf8), limits: JobLimits())
        var request = SamplingRequest()
        request.count = 4
        request.length = 400
        request.temperature = 0.8
        request.topK = 0
        request.topP = 1
        request.prime = "ROMEO:"
        request.stop = ["\n\n"]
        request.seed = 7
        #expect(
            job
                == Job(
                    model: "shakespeare", request: request, seed: 7, formats: [.text],
                    render: RenderConfiguration(tempo: 120, instrument: .pluck, sampleRate: 44100)))
    }

    @Test func everyRenderSettingAndSeveralFormats() throws {
        let text = """
            {"render": {"tempo": 96.5, "instrument": "organ", "sample_rate": 48000, "channels": 2, "bits": 24,
                        "velocity": 90, "swing": 0.25},
             "format": ["midi", "wav", "flac", "ogg"], "model": "folk", "stop": "\\n", "seed": 9223372036854775807,
             "temperature": 0, "top_k": 40, "top_p": 0.9, "prime": "n60 - n62 \\u00e9\\ud83c\\udfb5"}
            """
        let job = try JobFile.parse(Data(text.utf8), limits: JobLimits())
        #expect(job.formats == [.rendered(.midi), .rendered(.wav), .rendered(.flac), .rendered(.ogg)])
        #expect(job.formats.map(\.audioFormat) == [.midi, .wav, .flac, .ogg])
        #expect(
            job.render
                == RenderConfiguration(
                    tempo: 96.5, instrument: .organ, sampleRate: 48000, channels: 2,
                    sampleFormat: .pcm24, velocity: 90, swing: 0.25))
        #expect(job.seed == UInt64(Int64.max))
        #expect(job.request.seed == UInt64(Int64.max))
        #expect(job.request.stop == ["\n"])
        #expect(job.request.prime == "n60 - n62 é🎵")
        #expect(job.request.temperature == 0 && job.request.topK == 40 && job.request.topP == 0.9)
        #expect(OutputKind.text.audioFormat == nil)
    }

    @Test func bitsAreForTheWAVOrFLACOfAJobWhateverElseItAsksFor() throws {
        let text = "{\"model\": \"x\", \"format\": [\"ogg\", \"wav\"], \"render\": {\"bits\": 24}}"
        #expect(try JobFile.parse(Data(text.utf8), limits: JobLimits()).render.sampleFormat == .pcm24)
    }

    @Test func aByteOrderMarkAndFloatWAVAreAccepted() throws {
        let bytes =
            Data([0xEF, 0xBB, 0xBF]) + Data("{\"model\": \"x\", \"format\": \"wav\", \"render\": {\"bits\": \"float\"}}".utf8)
        let job = try JobFile.parse(bytes, limits: JobLimits())
        #expect(job.render.sampleFormat == .float)
    }

    // MARK: error.json

    @Test func errorJSONHasFourSortedKeysWithNulls() throws {
        let error = JobError(error: "The job file is empty.", hint: "Write a JSON object.")
        let text = String(decoding: error.json(), as: UTF8.self)
        #expect(
            text == """
                {
                  "error" : "The job file is empty.",
                  "field" : null,
                  "hint" : "Write a JSON object.",
                  "value" : null
                }

                """)
        let named = JobError(error: "Bad.", field: "render.tempo", value: String(repeating: "9", count: 200), hint: "Fix.")
        let object = try #require(JSONSerialization.jsonObject(with: named.json()) as? [String: String])
        #expect(object["field"] == "render.tempo")
        #expect(object["value"]?.count == 80)
        #expect("\(named)".hasPrefix("render.tempo: Bad."))
    }

    @Test func suggestionsFindTyposButNotStrangers() {
        let known = JobDecoder.fields
        #expect(NameSuggestion.nearest(to: "temprature", in: known) == "temperature")
        #expect(NameSuggestion.nearest(to: "Temperature", in: known) == "temperature")
        #expect(NameSuggestion.nearest(to: "temp", in: known) == "temperature")
        #expect(NameSuggestion.nearest(to: "formats", in: known) == "format")
        #expect(NameSuggestion.nearest(to: "top-p", in: known) == "top_p")
        #expect(NameSuggestion.nearest(to: "seeds", in: known) == "seed")
        #expect(NameSuggestion.nearest(to: "banana", in: known) == nil)
        #expect(NameSuggestion.nearest(to: "", in: known) == nil)
    }

    // MARK: Model-dependent checks

    static let textModel = RecurModel(
        network: RecurrentNetwork(cell: .lstm, vocabularySize: 4, hiddenSize: 3, layerCount: 1),
        vocabulary: Vocabulary(kind: .text, tokens: ["a", "b", "c", "\n"])!, name: "tiny-text")
    static let notesModel = RecurModel(
        network: RecurrentNetwork(cell: .gru, vocabularySize: 5, hiddenSize: 3, layerCount: 1),
        vocabulary: Vocabulary(kind: .notes, tokens: ["<eos>", "-", "r", "n60", "n62"])!, name: "tiny-notes")

    func preparedError(_ json: String, model: RecurModel) throws -> JobError? {
        let job = try JobFile.parse(Data(json.utf8), limits: JobLimits())
        do {
            _ = try job.prepared(for: model, limits: JobLimits())
            Issue.record("prepared \(job) for \(model.name)")
            return nil
        } catch {
            return error
        }
    }

    @Test func audioFormatsNeedANotesModel() throws {
        expectHelpful(
            try preparedError("{\"model\": \"tiny-text\", \"format\": \"wav\"}", model: Self.textModel),
            field: "format", mentions: ["notes model", "text model"])
        expectHelpful(
            try preparedError("{\"model\": \"tiny-text\", \"format\": [\"text\", \"midi\"]}", model: Self.textModel),
            field: "format[1]", mentions: ["notes model"])
    }

    @Test func aPrimeOutsideTheVocabularyIsNamed() throws {
        let error = try preparedError("{\"model\": \"tiny-text\", \"prime\": \"abz\"}", model: Self.textModel)
        expectHelpful(error, field: "prime", mentions: ["recur info tiny-text"])
        #expect(error?.value == "\"z\"")
        expectHelpful(
            try preparedError("{\"model\": \"tiny-notes\", \"prime\": \"n60 n61\"}", model: Self.notesModel),
            field: "prime", mentions: ["n60"])
    }

    @Test func stopIsForTextModelsOnly() throws {
        expectHelpful(
            try preparedError("{\"model\": \"tiny-notes\", \"stop\": \"r\"}", model: Self.notesModel),
            field: "stop", mentions: ["<eos>"])
    }

    @Test func fittingJobsArePrepared() throws {
        let text = try JobFile.parse(
            Data("{\"model\": \"tiny-text\", \"prime\": \"ab\", \"stop\": \"c\"}".utf8), limits: JobLimits())
        let prepared = try text.prepared(for: Self.textModel, limits: JobLimits())
        #expect(prepared.inputs == [0, 1])
        #expect(prepared.request == text.request)
        let notes = try JobFile.parse(
            Data("{\"model\": \"tiny-notes\", \"format\": [\"text\", \"midi\", \"wav\"]}".utf8),
            limits: JobLimits())
        #expect(try notes.prepared(for: Self.notesModel, limits: JobLimits()).inputs == [0])
    }

    @Test func tighterLimitsApplyToPreparedToo() throws {
        var limits = JobLimits()
        limits.sampling.maximumCount = 2
        expectHelpful(
            parseError(Data("{\"model\": \"x\", \"count\": 3}".utf8), limits: limits), field: "count",
            mentions: ["between 1 and 2"])
        let job = try JobFile.parse(Data("{\"model\": \"tiny-text\", \"count\": 3}".utf8), limits: JobLimits())
        do {
            _ = try job.prepared(for: Self.textModel, limits: limits)
            Issue.record("prepared a job over the limit")
        } catch {
            expectHelpful(error, field: "count", mentions: ["between 1 and 2"])
        }
    }
}
