// The parts of CodeMirror 6 the policy editor uses, bundled into one file the console
// serves itself (static/vendor/codemirror.js). Built by scripts/editor/build.sh.
export { EditorView, keymap, lineNumbers, highlightActiveLine, drawSelection } from "@codemirror/view";
export { EditorState } from "@codemirror/state";
export { defaultKeymap, history, historyKeymap, indentWithTab } from "@codemirror/commands";
export {
  StreamLanguage, syntaxHighlighting, defaultHighlightStyle, bracketMatching, indentOnInput
} from "@codemirror/language";
export { setDiagnostics, lintGutter } from "@codemirror/lint";
