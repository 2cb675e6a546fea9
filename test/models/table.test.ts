/**
 * ASCII table layout (terminaltables' AsciiTable rules), on small tables drawn by hand.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { renderAsciiTable, stringWidth } from "../../src/models/index.js";

describe("renderAsciiTable", () => {
  it("default layout: column borders, heading rule, title in the top border", () => {
    const text = renderAsciiTable(
      [
        ["a", "bb"],
        ["ccc", "d"],
      ],
      { title: "T" },
    );
    assert.equal(text, ["+T----+----+", "| a   | bb |", "+-----+----+", "| ccc | d  |", "+-----+----+"].join("\n"));
  });

  it("a title wider than the table is left out", () => {
    const text = renderAsciiTable([["a"]], { title: "too long" });
    assert.equal(text, ["+---+", "| a |", "+---+"].join("\n"));
  });

  it("multi-line cells, justification, footing rule, no column borders", () => {
    const text = renderAsciiTable(
      [
        ["Name", "Value\n(unit)"],
        ["x", "1"],
        ["Total", "10"],
      ],
      { innerColumnBorder: false, innerFootingRowBorder: true, justifyColumns: { 0: "left", 1: "right" } },
    );
    assert.equal(
      text,
      [
        "+---------------+",
        "| Name    Value |",
        "|        (unit) |",
        "+---------------+",
        "| x           1 |",
        "+---------------+",
        "| Total      10 |",
        "+---------------+",
      ].join("\n"),
    );
  });

  it("two rows with heading and footing rules draw both rules (as terminaltables does)", () => {
    const text = renderAsciiTable([["h"], ["t"]], { innerFootingRowBorder: true });
    assert.equal(text, ["+---+", "| h |", "+---+", "+---+", "| t |", "+---+"].join("\n"));
  });

  it("centre justification puts the odd space like Python's str.center; ragged rows are padded", () => {
    const text = renderAsciiTable([["abcd", "x"], ["ab"], ["a"]], { justifyColumns: { 0: "center" }, innerHeadingRowBorder: false });
    // "ab".center(4) == " ab ", "a".center(4) == " a  "
    assert.equal(text, ["+------+---+", "| abcd | x |", "|  ab  |   |", "|  a   |   |", "+------+---+"].join("\n"));
  });

  it("wide characters count two columns", () => {
    assert.equal(stringWidth("層a"), 3);
    const text = renderAsciiTable([["層"], ["ab"]], { innerHeadingRowBorder: false });
    assert.equal(text, ["+----+", "| 層 |", "| ab |", "+----+"].join("\n"));
  });
});
