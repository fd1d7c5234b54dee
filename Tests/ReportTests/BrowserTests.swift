import Foundation
import Report
import XCTest

/// The report in a real browser: headless Chromium loads the page, dumps the DOM it built and
/// takes a screenshot. Checks: one rendered `<svg>` per figure, a screenshot that is far from
/// blank, and no console message (Chromium logs invalid SVG attributes, failed loads and
/// script errors to the console; the page has no scripts, so any message is a defect).
///
/// Skipped when Chromium is not installed, unless `SCALELAB_REQUIRE_BROWSER` is set (CI sets
/// it after `scripts/ensure-browser.sh`). `SCALELAB_CHROMIUM` names the executable;
/// `SCALELAB_SCREENSHOT_DIR` keeps the screenshot there.
final class BrowserTests: XCTestCase {
    static func chromium() -> String? {
        let env = ProcessInfo.processInfo.environment
        if let path = env["SCALELAB_CHROMIUM"], FileManager.default.isExecutableFile(atPath: path) { return path }
        let dirs = (env["PATH"] ?? "/usr/bin:/bin").split(separator: ":").map(String.init)
        for name in ["chromium", "chromium-browser", "google-chrome", "google-chrome-stable"] {
            for dir in dirs where FileManager.default.isExecutableFile(atPath: dir + "/" + name) { return dir + "/" + name }
        }
        return nil
    }

    struct Run { var status: Int32; var stdout: String; var stderr: String }

    /// Runs the browser with a deadline; output goes to files so neither stream can block it.
    static func run(_ exe: String, _ args: [String], in dir: URL, timeout: Double = 90) throws -> Run {
        let out = dir.appendingPathComponent("stdout-\(UUID().uuidString)"), err = dir.appendingPathComponent("stderr-\(UUID().uuidString)")
        _ = FileManager.default.createFile(atPath: out.path, contents: nil)
        _ = FileManager.default.createFile(atPath: err.path, contents: nil)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: exe)
        p.arguments = ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run",
                       "--user-data-dir=" + dir.appendingPathComponent("profile").path] + args
        p.standardOutput = try FileHandle(forWritingTo: out)
        p.standardError = try FileHandle(forWritingTo: err)
        try p.run()
        let deadline = Date().addingTimeInterval(timeout)
        while p.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        if p.isRunning { p.terminate(); XCTFail("\(exe) did not finish in \(timeout) s") }
        p.waitUntilExit()
        return Run(status: p.terminationStatus, stdout: (try? String(contentsOf: out, encoding: .utf8)) ?? "",
                   stderr: (try? String(contentsOf: err, encoding: .utf8)) ?? "")
    }

    /// Width and height from a PNG's IHDR chunk; nil if the bytes are not a PNG.
    static func pngSize(_ data: Data) -> (width: Int, height: Int)? {
        let bytes = [UInt8](data)
        guard bytes.count > 24, bytes.prefix(8) == [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a] else { return nil }
        func be32(_ i: Int) -> Int { bytes[i..<i + 4].reduce(0) { $0 << 8 | Int($1) } }
        return (be32(16), be32(20))
    }

    func testReportRendersInHeadlessChromium() throws {
        guard let exe = Self.chromium() else {
            if ProcessInfo.processInfo.environment["SCALELAB_REQUIRE_BROWSER"] != nil {
                XCTFail("SCALELAB_REQUIRE_BROWSER is set but no chromium was found; run scripts/ensure-browser.sh")
                return
            }
            throw XCTSkip("chromium not installed (scripts/ensure-browser.sh installs it; set SCALELAB_REQUIRE_BROWSER to make this a failure)")
        }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("scalelab-browser-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = try TestInput.load()
        let expected = Figures.all(ReportAnalysis(input)).charts.count
        XCTAssertEqual(expected, 7)
        let page = dir.appendingPathComponent("report.html"), blank = dir.appendingPathComponent("blank.html")
        try HTMLReport.render(input).write(to: page, atomically: true, encoding: .utf8)
        try "<!DOCTYPE html><html><body></body></html>".write(to: blank, atomically: true, encoding: .utf8)

        // The DOM after loading: the browser parsed one <svg> per figure, each with its shapes.
        let dom = try Self.run(exe, ["--enable-logging=stderr", "--v=0", "--dump-dom", page.absoluteString], in: dir)
        XCTAssertEqual(dom.status, 0, dom.stderr)
        XCTAssertEqual(dom.stdout.components(separatedBy: "<svg").count - 1, expected, "rendered SVG figures")
        XCTAssertEqual(dom.stdout.components(separatedBy: "<figure").count - 1, expected, "figures")
        XCTAssertGreaterThan(dom.stdout.components(separatedBy: "<circle").count, input.runs.count, "points drawn")
        let console = dom.stderr.split(separator: "\n").filter { $0.contains(":CONSOLE") }
        XCTAssertEqual(console, [], "the page logged to the console")

        // Screenshots of the report and of a blank page of the same size: PNGs of the requested
        // size, the report's many times larger (a blank page compresses to almost nothing).
        let size = (width: 1100, height: 2400)
        var shots: [Data] = []
        for (url, name) in [(page, "report.png"), (blank, "blank.png")] {
            let png = dir.appendingPathComponent(name)
            let r = try Self.run(exe, ["--screenshot=" + png.path, "--window-size=\(size.width),\(size.height)", url.absoluteString], in: dir)
            XCTAssertEqual(r.status, 0, r.stderr)
            let data = try Data(contentsOf: png)
            let wh = try XCTUnwrap(Self.pngSize(data), "\(name) is not a PNG")
            XCTAssertEqual(wh.width, size.width)
            XCTAssertEqual(wh.height, size.height)
            shots.append(data)
        }
        XCTAssertGreaterThan(shots[0].count, 50_000, "the report's screenshot is nearly empty")
        XCTAssertGreaterThan(shots[0].count, 8 * shots[1].count, "the report's screenshot is not much busier than a blank page")
        if let keep = ProcessInfo.processInfo.environment["SCALELAB_SCREENSHOT_DIR"] {
            try? FileManager.default.createDirectory(atPath: keep, withIntermediateDirectories: true)
            try shots[0].write(to: URL(fileURLWithPath: keep).appendingPathComponent("report.png"))
        }
        try? FileManager.default.removeItem(at: dir)
    }
}
