import Foundation

@testable import RecurMusic

/// Melodies as musicians hand them over, written by hand (not by Recur's writers), with
/// the tokens each must read as.
enum MelodyFixtures {
    // MARK: - Old Hundredth: G major, 4/4, a pickup of a half note

    /// The first line of "Old Hundredth": G2 | G F# E D | G A B2.
    static let oldHundredth =
        "n67 - - - - - - - | n67 - - - n66 - - - n64 - - - n62 - - - | n67 - - - n69 - - - n71 - - - - - - - |"

    /// As on an ABC tune site, with the spaces after the field colons.
    static let oldHundredthABC = """
        X: 1
        T: Old Hundredth
        C: Louis Bourgeois, 1551
        R: hymn
        M: 4/4
        L: 1/4
        Q: 1/2=60
        K: Gmaj
        G2 | G F E D | G A B2 |]
        """

    /// As MuseScore 4 exports it: layout, credits, an instrument, a lyric, a pickup
    /// measure numbered 0, one division a quarter.
    static let oldHundredthMusicXML = """
        <?xml version="1.0" encoding="UTF-8" standalone="no"?>
        <!DOCTYPE score-partwise PUBLIC "-//Recordare//DTD MusicXML 4.0 Partwise//EN" "http://www.musicxml.org/dtds/partwise.dtd">
        <score-partwise version="4.0">
          <work>
            <work-title>Old Hundredth</work-title>
            </work>
          <identification>
            <creator type="composer">Louis Bourgeois</creator>
            <encoding>
              <software>MuseScore 4.4.3</software>
              <encoding-date>2024-11-02</encoding-date>
              <supports element="accidental" type="yes"/>
              <supports element="beam" type="yes"/>
              <supports element="stem" type="yes"/>
              </encoding>
            </identification>
          <defaults>
            <scaling>
              <millimeters>6.99911</millimeters>
              <tenths>40</tenths>
              </scaling>
            <word-font font-family="Edwin" font-size="10"/>
            </defaults>
          <credit page="1">
            <credit-type>title</credit-type>
            <credit-words default-x="616.935" default-y="1511.4" justify="center" valign="top" font-size="22">Old Hundredth</credit-words>
            </credit>
          <part-list>
            <score-part id="P1">
              <part-name>Voice</part-name>
              <part-abbreviation>Vo.</part-abbreviation>
              <score-instrument id="P1-I1">
                <instrument-name>Voice</instrument-name>
                </score-instrument>
              <midi-device id="P1-I1" port="1"></midi-device>
              <midi-instrument id="P1-I1">
                <midi-channel>1</midi-channel>
                <midi-program>53</midi-program>
                <volume>78.7402</volume>
                <pan>0</pan>
                </midi-instrument>
              </score-part>
            </part-list>
          <part id="P1">
            <measure number="0" implicit="yes" width="120.50">
              <print>
                <system-layout>
                  <system-margins>
                    <left-margin>50.00</left-margin>
                    <right-margin>0.00</right-margin>
                    </system-margins>
                  <top-system-distance>170.00</top-system-distance>
                  </system-layout>
                </print>
              <attributes>
                <divisions>1</divisions>
                <key>
                  <fifths>1</fifths>
                  <mode>major</mode>
                  </key>
                <time>
                  <beats>4</beats>
                  <beat-type>4</beat-type>
                  </time>
                <clef>
                  <sign>G</sign>
                  <line>2</line>
                  </clef>
                </attributes>
              <direction placement="above">
                <direction-type>
                  <metronome parentheses="no">
                    <beat-unit>half</beat-unit>
                    <per-minute>60</per-minute>
                    </metronome>
                  </direction-type>
                <sound tempo="120"/>
                </direction>
              <note default-x="80.72" default-y="-25.00">
                <pitch>
                  <step>G</step>
                  <octave>4</octave>
                  </pitch>
                <duration>2</duration>
                <voice>1</voice>
                <type>half</type>
                <stem>up</stem>
                <lyric number="1" default-x="6.58" default-y="-80.00">
                  <syllabic>single</syllabic>
                  <text>All</text>
                  </lyric>
                </note>
              </measure>
            <measure number="1" width="180.25">
              <note default-x="13.00" default-y="-25.00">
                <pitch><step>G</step><octave>4</octave></pitch>
                <duration>1</duration>
                <voice>1</voice>
                <type>quarter</type>
                <stem>up</stem>
                </note>
              <note default-x="53.00" default-y="-30.00">
                <pitch><step>F</step><alter>1</alter><octave>4</octave></pitch>
                <duration>1</duration>
                <voice>1</voice>
                <type>quarter</type>
                <stem>up</stem>
                </note>
              <note default-x="93.00" default-y="-35.00">
                <pitch><step>E</step><octave>4</octave></pitch>
                <duration>1</duration>
                <voice>1</voice>
                <type>quarter</type>
                <stem>up</stem>
                </note>
              <note default-x="133.00" default-y="-40.00">
                <pitch><step>D</step><octave>4</octave></pitch>
                <duration>1</duration>
                <voice>1</voice>
                <type>quarter</type>
                <stem>up</stem>
                </note>
              </measure>
            <measure number="2" width="160.10">
              <note default-x="13.00" default-y="-25.00">
                <pitch><step>G</step><octave>4</octave></pitch>
                <duration>1</duration>
                <voice>1</voice>
                <type>quarter</type>
                <stem>up</stem>
                </note>
              <note default-x="53.00" default-y="-20.00">
                <pitch><step>A</step><octave>4</octave></pitch>
                <duration>1</duration>
                <voice>1</voice>
                <type>quarter</type>
                <stem>up</stem>
                </note>
              <note default-x="93.00" default-y="-15.00">
                <pitch><step>B</step><octave>4</octave></pitch>
                <duration>2</duration>
                <voice>1</voice>
                <type>half</type>
                <stem>down</stem>
                </note>
              <barline location="right">
                <bar-style>light-heavy</bar-style>
                </barline>
              </measure>
            </part>
          </score-partwise>
        """

    /// A format 1 file as a sequencer writes one, 96 ticks a quarter (24 a 16th): a
    /// conductor track with the pickup as a 2/4 bar before 4/4 and G major; a melody track
    /// with a sysex, a program change, running status, note-ons of velocity 0 and one real
    /// note-off, played a tick or two off the grid.
    static let oldHundredthMIDI: Data = {
        let conductor = MIDIBytes.track([
            (0, [0xFF, 0x03, 0x0D] + Array("Old Hundredth".utf8)),
            (0, [0xFF, 0x51, 0x03, 0x07, 0xA1, 0x20]),  // 120 quarters a minute
            (0, [0xFF, 0x58, 0x04, 0x02, 0x01, 0x18, 0x08]),  // 2/4: the pickup
            (0, [0xFF, 0x59, 0x02, 0x01, 0x00]),  // one sharp, major
            (192, [0xFF, 0x58, 0x04, 0x04, 0x02, 0x18, 0x08]),  // 4/4
            (960, [0xFF, 0x2F, 0x00]),
        ])
        let melody = MIDIBytes.track([
            (0, [0xF0, 0x05, 0x7E, 0x7F, 0x09, 0x01, 0xF7]),  // General MIDI on
            (0, [0xC0, 0x49]),  // flute
            (0, [0x90, 67, 80]), (190, [67, 0]),
            (193, [67, 72]), (286, [67, 0]),
            (288, [66, 70]), (383, [0x80, 66, 64]),
            (385, [0x90, 64, 75]), (478, [64, 0]),
            (481, [62, 70]), (575, [62, 0]),
            (576, [67, 80]), (670, [67, 0]),
            (673, [69, 78]), (766, [69, 0]),
            (769, [71, 84]), (958, [71, 0]),
            (960, [0xFF, 0x2F, 0x00]),
        ])
        return MIDIBytes.file(format: 1, division: 96, tracks: [conductor, melody])
    }()

    // MARK: - A tune in D minor, 3/4: pickup, dotted notes, a tie over a bar line, a rest, accidentals

    /// A | d3 e f2 | e2 ^c2 z2 | d2 =B2 A2- | A2 f>e d2 |]
    static let dMinor =
        "n69 - - - | n74 - - - - - n76 - n77 - - - | n76 - - - n73 - - - r - - - | n74 - - - n71 - - - n69 - - - | "
        + "- - - - n77 - - n76 n74 - - - |"

    static let dMinorABC = """
        X:2
        T:A tune in D minor
        M:3/4
        L:1/8
        K:Dm
        A2 | d3 e f2 | e2 ^c2 z2 | d2 =B2 A2- | A2 f>e d2 |]
        """

    /// As a notation program writes it: four divisions a quarter, a dotted eighth and a
    /// 16th, an accidental shown, a tie written both as `<tie>` and `<tied>`.
    static let dMinorMusicXML = """
        <?xml version="1.0" encoding="UTF-8" standalone="no"?>
        <!DOCTYPE score-partwise PUBLIC "-//Recordare//DTD MusicXML 3.1 Partwise//EN" "http://www.musicxml.org/dtds/partwise.dtd">
        <score-partwise version="3.1">
          <part-list>
            <score-part id="P1"><part-name>Violin</part-name></score-part>
            <score-part id="P2"><part-name>Cello</part-name></score-part>
          </part-list>
          <part id="P1">
            <measure number="0" implicit="yes">
              <attributes>
                <divisions>4</divisions>
                <key><fifths>-1</fifths><mode>minor</mode></key>
                <time><beats>3</beats><beat-type>4</beat-type></time>
                <clef><sign>G</sign><line>2</line></clef>
              </attributes>
              <note><pitch><step>A</step><octave>4</octave></pitch><duration>4</duration><voice>1</voice><type>quarter</type></note>
            </measure>
            <measure number="1">
              <note><pitch><step>D</step><octave>5</octave></pitch><duration>6</duration><voice>1</voice><type>quarter</type><dot/></note>
              <note><pitch><step>E</step><octave>5</octave></pitch><duration>2</duration><voice>1</voice><type>eighth</type></note>
              <note><pitch><step>F</step><octave>5</octave></pitch><duration>4</duration><voice>1</voice><type>quarter</type></note>
            </measure>
            <measure number="2">
              <note><pitch><step>E</step><octave>5</octave></pitch><duration>4</duration><voice>1</voice><type>quarter</type></note>
              <note><pitch><step>C</step><alter>1</alter><octave>5</octave></pitch><duration>4</duration><voice>1</voice><type>quarter</type><accidental>sharp</accidental></note>
              <note><rest/><duration>4</duration><voice>1</voice><type>quarter</type></note>
            </measure>
            <measure number="3">
              <note><pitch><step>D</step><octave>5</octave></pitch><duration>4</duration><voice>1</voice><type>quarter</type></note>
              <note><pitch><step>B</step><octave>4</octave></pitch><duration>4</duration><voice>1</voice><type>quarter</type><accidental>natural</accidental></note>
              <note><pitch><step>A</step><octave>4</octave></pitch><duration>4</duration><tie type="start"/><voice>1</voice><type>quarter</type><notations><tied type="start"/></notations></note>
            </measure>
            <measure number="4">
              <note><pitch><step>A</step><octave>4</octave></pitch><duration>4</duration><tie type="stop"/><voice>1</voice><type>quarter</type><notations><tied type="stop"/></notations></note>
              <note><pitch><step>F</step><octave>5</octave></pitch><duration>3</duration><voice>1</voice><type>eighth</type><dot/><beam number="1">begin</beam></note>
              <note><pitch><step>E</step><octave>5</octave></pitch><duration>1</duration><voice>1</voice><type>16th</type><beam number="1">end</beam></note>
              <note><pitch><step>D</step><octave>5</octave></pitch><duration>4</duration><voice>1</voice><type>quarter</type></note>
              <barline location="right"><bar-style>light-heavy</bar-style></barline>
            </measure>
          </part>
          <part id="P2">
            <measure number="0" implicit="yes">
              <attributes><divisions>4</divisions></attributes>
              <note><pitch><step>D</step><octave>3</octave></pitch><duration>4</duration></note>
              <note><chord/><pitch><step>A</step><octave>3</octave></pitch><duration>4</duration></note>
            </measure>
          </part>
        </score-partwise>
        """

    /// A format 0 file at 480 ticks a quarter: the pickup as a 1/4 bar before 3/4, D minor
    /// (one flat, minor), a controller, pitch bend and channel pressure among the notes.
    static let dMinorMIDI: Data = {
        let steps: [(pitch: UInt8, start: Int, end: Int)] = [
            (69, 0, 4), (74, 4, 10), (76, 10, 12), (77, 12, 16), (76, 16, 20), (73, 20, 24),
            (74, 28, 32), (71, 32, 36), (69, 36, 44), (77, 44, 47), (76, 47, 48), (74, 48, 52),
        ]
        var events: [(Int, [UInt8])] = [
            (0, [0xFF, 0x58, 0x04, 0x01, 0x02, 0x18, 0x08]),  // 1/4: the pickup
            (0, [0xFF, 0x59, 0x02, 0xFF, 0x01]),  // one flat, minor
            (0, [0xB0, 0x07, 0x64]),  // volume
            (0, [0xE0, 0x00, 0x40]),  // pitch bend, centred
            (480, [0xFF, 0x58, 0x04, 0x03, 0x02, 0x18, 0x08]),  // 3/4
        ]
        for note in steps {
            events.append((note.start * 120, [0x90, note.pitch, 90]))
            events.append((note.end * 120, [0x80, note.pitch, 64]))
        }
        events.append((2400, [0xD0, 0x20]))  // channel pressure
        // By tick, keeping the order written at one tick: a note-off before the next note-on.
        events = events.enumerated().sorted { ($0.element.0, $0.offset) < ($1.element.0, $1.offset) }.map(\.element)
        return MIDIBytes.file(format: 0, division: 480, tracks: [MIDIBytes.track(events + [(6240, [0xFF, 0x2F, 0x00])])])
    }()

    // MARK: - A reel as on thesession.org

    /// The first part of "The Kesh" (jig) as thesession.org gives it.
    static let keshABC = """
        X: 1
        T: The Kesh
        R: jig
        M: 6/8
        L: 1/8
        K: Gmaj
        |:G3 GAB|A3 ABd|edd gdd|edB dBA|
        GAG GAB|ABA ABd|edd gdd|BAF G3:|
        """

    static let kesh = [
        "n67 - - - - - n67 - n69 - n71 -", "n69 - - - - - n69 - n71 - n74 -", "n76 - n74 - n74 - n79 - n74 - n74 -",
        "n76 - n74 - n71 - n74 - n71 - n69 -", "n67 - n69 - n67 - n67 - n69 - n71 -", "n69 - n71 - n69 - n69 - n71 - n74 -",
        "n76 - n74 - n74 - n79 - n74 - n74 -", "n71 - n69 - n66 - n67 - - - - -",
    ].map { $0 + " |" }.joined(separator: " ")

    /// E dorian in 2/2 with most of what ABC bodies hold: chord symbols, decorations,
    /// repeats and endings, broken rhythm, an accidental holding through its bar, octave
    /// marks, a tie over a backquote, a comment, a line continued with `\`.
    static let dorianABC = """
        X:3
        T:Everything at once
        M:C|
        L:1/8
        K:E Dorian
        |:"Em"E2 ~B2 !trill!A>G .F E | D2 ^D2 E2 D2 |1 B,4 E,4 :|2 e'4 z4 |] % a comment
        "Am" A2-`A2 =c2 c2 \\
        | c8 |]
        """

    static let dorian = [
        "n64 - - - n71 - - - n69 - - n67 n66 - n64 -", "n62 - - - n63 - - - n64 - - - n63 - - -",
        "n59 - - - - - - - n52 - - - - - - -", "n88 - - - - - - - r - - - - - - -",
        "n69 - - - - - - - n72 - - - n72 - - -", "n73 - - - - - - - - - - - - - - -",
    ].map { $0 + " |" }.joined(separator: " ")
}

/// Standard MIDI File bytes put together by hand, for fixtures that do not come from
/// Recur's writer.
enum MIDIBytes {
    /// A variable-length quantity.
    static func variableLength(_ value: Int) -> [UInt8] {
        var bytes: [UInt8] = [UInt8(value & 0x7F)]
        var rest = value >> 7
        while rest > 0 {
            bytes.insert(UInt8(rest & 0x7F) | 0x80, at: 0)
            rest >>= 7
        }
        return bytes
    }

    /// A big-endian number.
    static func number(_ value: Int, bytes: Int) -> [UInt8] {
        (0..<bytes).reversed().map { UInt8(truncatingIfNeeded: value >> (8 * $0)) }
    }

    /// A chunk: its id, its length and its bytes.
    static func chunk(_ id: String, _ body: [UInt8]) -> [UInt8] { Array(id.utf8) + number(body.count, bytes: 4) + body }

    /// A track's bytes from events at absolute ticks, each written as given after its delta.
    static func track(_ events: [(tick: Int, bytes: [UInt8])]) -> [UInt8] {
        var bytes: [UInt8] = []
        var last = 0
        for event in events {
            bytes += variableLength(event.tick - last) + event.bytes
            last = event.tick
        }
        return bytes
    }

    /// A whole file.
    static func file(format: Int, division: Int, tracks: [[UInt8]]) -> Data {
        let header = chunk("MThd", number(format, bytes: 2) + number(tracks.count, bytes: 2) + number(division, bytes: 2))
        return Data(header + tracks.flatMap { chunk("MTrk", $0) })
    }

    /// A format 0 file of one track of `events` at 480 ticks a quarter, 4/4, closed by
    /// an end of track at `end` (the last event's tick when nil).
    static func simple(_ events: [(tick: Int, bytes: [UInt8])], end: Int? = nil) -> Data {
        let close = end ?? events.last?.tick ?? 0
        return file(format: 0, division: 480, tracks: [track(events + [(close, [0xFF, 0x2F, 0x00])])])
    }
}
