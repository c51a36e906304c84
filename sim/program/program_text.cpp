// Text form of npu::Program. Grammar (docs/program.md):
//
//   program NAME
//   param NAME value=INT min=INT max=INT
//   tensor NAME DTYPE shape=[INT, ...] strides=[INT, ...] base=INT (input|output)
//   sram NAME DTYPE level=LEVEL bytes=INT
//   stmt*
//   stmt := loop VAR min=EXPR extent=EXPR [parallel] { stmt* }
//         | token NAME init=INT
//         | fork { thread { stmt* } ... }
//         | if EXPR { stmt* } [else { stmt* }]
//         | dma_in TENSOR offset=EXPR box=[EXPR:INT, ...] -> SRAM offset=EXPR [gather=SRAM]
//         | dma_out SRAM offset=EXPR -> TENSOR offset=EXPR box=[EXPR:INT, ...]
//         | matmul m=EXPR n=EXPR k=EXPR a=SRAM:DTYPE b=SRAM:DTYPE acc=SRAM:DTYPE
//         | vector OP[+OP...] elements=EXPR dtype=DTYPE in=[SRAM, ...] out=SRAM
//   (each dma_in, dma_out, matmul and vector may end with `func=NAME`, the Halide Func)
//         | signal TOKEN count=EXPR
//         | wait TOKEN count=EXPR
//   EXPR  := INT | VAR | (EXPR op EXPR) | min(EXPR, EXPR) | max(EXPR, EXPR)
//          | select(EXPR, EXPR, EXPR),   op in + - * / % < <= == !=
// `#` starts a comment. Box dimensions are `extent:stride_bytes`, innermost first.
#include <cctype>
#include <sstream>

#include "base/errors.h"
#include "sim/program.h"

namespace npu {

// ---------------------------------------------------------------- printing

namespace {

std::string join_ints(const std::vector<int64_t>& v) {
    std::string s = "[";
    for (size_t i = 0; i < v.size(); ++i)
        s += (i ? ", " : "") + std::to_string(v[i]);
    return s + "]";
}

std::string box_text(const std::vector<BoxDim>& box) {
    std::string s = "[";
    for (size_t i = 0; i < box.size(); ++i)
        s += (i ? ", " : "") + box[i].extent.to_string() + ":" + std::to_string(box[i].stride);
    return s + "]";
}

struct Printer {
    std::ostringstream out;
    void block(const Block& b, int depth) {
        for (const Node& n : b)
            node(n, depth);
    }
    std::string pad(int depth) { return std::string(2 * depth, ' '); }
    static std::string func(const std::string& f) { return f.empty() ? "" : " func=" + f; }
    void node(const Node& n, int d) {
        std::visit(
            Overloaded{
                [&](const Loop& l) {
                    out << pad(d) << "loop " << l.var << " min=" << l.min.to_string()
                        << " extent=" << l.extent.to_string() << (l.parallel ? " parallel" : "") << " {\n";
                    block(l.body, d + 1);
                    out << pad(d) << "}\n";
                },
                [&](const Fork& f) {
                    out << pad(d) << "fork {\n";
                    for (const Block& t : f.threads) {
                        out << pad(d + 1) << "thread {\n";
                        block(t, d + 2);
                        out << pad(d + 1) << "}\n";
                    }
                    out << pad(d) << "}\n";
                },
                [&](const If& c) {
                    out << pad(d) << "if " << c.cond.to_string() << " {\n";
                    block(c.then_body, d + 1);
                    if (!c.else_body.empty()) {
                        out << pad(d) << "} else {\n";
                        block(c.else_body, d + 1);
                    }
                    out << pad(d) << "}\n";
                },
                [&](const Token& t) { out << pad(d) << "token " << t.name << " init=" << t.init << "\n"; },
                [&](const DmaIn& i) {
                    out << pad(d) << "dma_in " << i.tensor << " offset=" << i.offset.to_string()
                        << " box=" << box_text(i.box) << " -> " << i.sram << " offset=" << i.sram_offset.to_string()
                        << (i.gather.empty() ? "" : " gather=" + i.gather) << func(i.func) << "\n";
                },
                [&](const DmaOut& o) {
                    out << pad(d) << "dma_out " << o.sram << " offset=" << o.sram_offset.to_string() << " -> "
                        << o.tensor << " offset=" << o.offset.to_string() << " box=" << box_text(o.box) << func(o.func)
                        << "\n";
                },
                [&](const MatMul& m) {
                    out << pad(d) << "matmul m=" << m.m.to_string() << " n=" << m.n.to_string()
                        << " k=" << m.k.to_string() << " a=" << m.a << ":" << dtype_name(m.a_type) << " b=" << m.b
                        << ":" << dtype_name(m.b_type) << " acc=" << m.acc << ":" << dtype_name(m.acc_type)
                        << func(m.func) << "\n";
                },
                [&](const Vector& v) {
                    out << pad(d) << "vector " << vector_ops_name(v.ops) << " elements=" << v.elements.to_string()
                        << " dtype=" << dtype_name(v.dtype) << " in=[";
                    for (size_t k = 0; k < v.inputs.size(); ++k)
                        out << (k ? ", " : "") << v.inputs[k];
                    out << "] out=" << v.output << func(v.func) << "\n";
                },
                [&](const Signal& s) {
                    out << pad(d) << "signal " << s.token << " count=" << s.count.to_string() << "\n";
                },
                [&](const Wait& w) { out << pad(d) << "wait " << w.token << " count=" << w.count.to_string() << "\n"; },
            },
            n);
    }
};

}  // namespace

std::string to_text(const Program& p) {
    Printer pr;
    pr.out << "program " << p.name << "\n";
    for (const Param& q : p.params)
        pr.out << "param " << q.name << " value=" << q.value << " min=" << q.min << " max=" << q.max << "\n";
    for (const Tensor& t : p.tensors)
        pr.out << "tensor " << t.name << " " << dtype_name(t.dtype) << " shape=" << join_ints(t.shape)
               << " strides=" << join_ints(t.strides) << " base=" << t.base << (t.is_output ? " output" : " input")
               << "\n";
    for (const SramBuffer& s : p.sram)
        pr.out << "sram " << s.name << " " << dtype_name(s.dtype) << " level=" << s.level << " bytes=" << s.bytes
               << "\n";
    pr.block(p.body, 0);
    return pr.out.str();
}

// ---------------------------------------------------------------- parsing

namespace {

struct Tok {
    enum Kind { Ident, Int, Punct, End } kind;
    std::string text;
    int line;
};

bool ident_char(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '$';
}

std::vector<Tok> lex(const std::string& text, const std::string& source) {
    std::vector<Tok> toks;
    int line = 1;
    for (size_t i = 0; i < text.size();) {
        char c = text[i];
        if (c == '\n') {
            ++line;
            ++i;
            continue;
        }
        if (std::isspace(static_cast<unsigned char>(c))) {
            ++i;
            continue;
        }
        if (c == '#') {
            while (i < text.size() && text[i] != '\n')
                ++i;
            continue;
        }
        if (std::isdigit(static_cast<unsigned char>(c))) {
            size_t j = i;
            while (j < text.size() && std::isdigit(static_cast<unsigned char>(text[j])))
                ++j;
            toks.push_back({Tok::Int, text.substr(i, j - i), line});
            i = j;
            continue;
        }
        if (ident_char(c)) {
            size_t j = i;
            while (j < text.size() && ident_char(text[j]))
                ++j;
            toks.push_back({Tok::Ident, text.substr(i, j - i), line});
            i = j;
            continue;
        }
        if (c == '-' && i + 1 < text.size() && text[i + 1] == '>') {
            toks.push_back({Tok::Punct, "->", line});
            i += 2;
            continue;
        }
        if (i + 1 < text.size() && text[i + 1] == '=' && (c == '<' || c == '=' || c == '!')) {
            toks.push_back({Tok::Punct, std::string(1, c) + "=", line});
            i += 2;
            continue;
        }
        if (std::string("{}[]()=,:+-*/%<").find(c) != std::string::npos) {
            toks.push_back({Tok::Punct, std::string(1, c), line});
            ++i;
            continue;
        }
        throw ProgramError(source + ":" + std::to_string(line) + ": unexpected character '" + std::string(1, c) + "'");
    }
    toks.push_back({Tok::End, "end of text", line});
    return toks;
}

class Parser {
public:
    Parser(const std::string& text, std::string source) : source_(std::move(source)), toks_(lex(text, source_)) {}

    Program program() {
        Program p;
        expect_word("program");
        p.name = ident("program name");
        while (true) {
            if (peek_word("param"))
                p.params.push_back(param());
            else if (peek_word("tensor"))
                p.tensors.push_back(tensor());
            else if (peek_word("sram"))
                p.sram.push_back(sram());
            else
                break;
        }
        p.body = block_until_end();
        return p;
    }

private:
    std::string source_;
    std::vector<Tok> toks_;
    size_t pos_ = 0;

    [[noreturn]] void fail(const std::string& what) {
        const Tok& t = toks_[pos_];
        throw ProgramError(source_ + ":" + std::to_string(t.line) + ": expected " + what + ", found '" + t.text + "'");
    }
    const Tok& cur() const { return toks_[pos_]; }
    bool peek_word(const char* w) const { return cur().kind == Tok::Ident && cur().text == w; }
    bool peek_punct(const char* p) const { return cur().kind == Tok::Punct && cur().text == p; }
    void expect_word(const char* w) {
        if (!peek_word(w)) fail(std::string("'") + w + "'");
        ++pos_;
    }
    void expect_punct(const char* p) {
        if (!peek_punct(p)) fail(std::string("'") + p + "'");
        ++pos_;
    }
    std::string ident(const std::string& what) {
        if (cur().kind != Tok::Ident) fail(what);
        return toks_[pos_++].text;
    }
    int64_t integer(const std::string& what) {
        bool neg = false;
        if (peek_punct("-")) {
            neg = true;
            ++pos_;
        }
        if (cur().kind != Tok::Int) fail(what);
        const std::string& s = toks_[pos_].text;
        if (s.size() > 18) fail(what + " (at most 18 digits)");
        ++pos_;
        int64_t v = std::stoll(s);
        return neg ? -v : v;
    }
    void key(const char* k) {
        expect_word(k);
        expect_punct("=");
    }
    int64_t int_field(const char* k) {
        key(k);
        return integer(std::string("an integer for '") + k + "'");
    }
    std::string where() const { return source_ + ":" + std::to_string(cur().line); }

    Expr expr() {
        Nest nest(*this);
        if (cur().kind == Tok::Int || peek_punct("-")) return Expr(integer("an expression"));
        if (peek_word("select")) {
            ++pos_;
            expect_punct("(");
            Expr c = expr();
            expect_punct(",");
            Expr a = expr();
            expect_punct(",");
            Expr b = expr();
            expect_punct(")");
            return Expr::select(c, a, b);
        }
        if (peek_word("min") || peek_word("max")) {
            auto kind = cur().text == "min" ? Expr::Kind::Min : Expr::Kind::Max;
            ++pos_;
            expect_punct("(");
            Expr a = expr();
            expect_punct(",");
            Expr b = expr();
            expect_punct(")");
            return Expr::binary(kind, a, b);
        }
        if (cur().kind == Tok::Ident) return Expr::var(toks_[pos_++].text);
        if (!peek_punct("(")) fail("an expression");
        ++pos_;
        Expr a = expr();
        static const std::pair<const char*, Expr::Kind> ops[] = {
            {"+", Expr::Kind::Add}, {"-", Expr::Kind::Sub}, {"*", Expr::Kind::Mul},
            {"/", Expr::Kind::Div}, {"%", Expr::Kind::Mod}, {"<=", Expr::Kind::Le},
            {"<", Expr::Kind::Lt},  {"==", Expr::Kind::Eq}, {"!=", Expr::Kind::Ne}};
        for (const auto& [sym, kind] : ops) {
            if (peek_punct(sym)) {
                ++pos_;
                Expr b = expr();
                expect_punct(")");
                return Expr::binary(kind, a, b);
            }
        }
        fail("one of + - * / % < <= == !=");
    }
    std::string optional_func() {
        if (!peek_word("func")) return "";
        key("func");
        return ident("a Func name");
    }
    Expr expr_field(const char* k) {
        key(k);
        return expr();
    }
    std::vector<int64_t> int_list(const char* k) {
        key(k);
        expect_punct("[");
        std::vector<int64_t> v;
        while (!peek_punct("]")) {
            if (!v.empty()) expect_punct(",");
            v.push_back(integer(std::string("an integer in '") + k + "'"));
        }
        ++pos_;
        return v;
    }
    std::vector<BoxDim> box() {
        key("box");
        expect_punct("[");
        std::vector<BoxDim> dims;
        while (!peek_punct("]")) {
            if (!dims.empty()) expect_punct(",");
            BoxDim d;
            d.extent = expr();
            expect_punct(":");
            d.stride = integer("a stride in bytes");
            dims.push_back(d);
        }
        ++pos_;
        if (dims.empty()) fail("at least one box dimension");
        return dims;
    }
    std::pair<std::string, DType> typed_buffer(const char* k) {
        key(k);
        std::string name = ident("an SRAM buffer name");
        expect_punct(":");
        std::string w = where();
        return {name, parse_dtype(ident("a dtype"), w)};
    }

    Tensor tensor() {
        expect_word("tensor");
        Tensor t;
        t.name = ident("tensor name");
        std::string w = where();
        t.dtype = parse_dtype(ident("a dtype"), w);
        t.shape = int_list("shape");
        t.strides = int_list("strides");
        t.base = static_cast<uint64_t>(int_field("base"));
        if (peek_word("output"))
            t.is_output = true;
        else if (!peek_word("input"))
            fail("'input' or 'output'");
        ++pos_;
        return t;
    }
    Param param() {
        expect_word("param");
        Param q;
        q.name = ident("parameter name");
        q.value = int_field("value");
        q.min = int_field("min");
        q.max = int_field("max");
        return q;
    }
    SramBuffer sram() {
        expect_word("sram");
        SramBuffer s;
        s.name = ident("SRAM buffer name");
        std::string w = where();
        s.dtype = parse_dtype(ident("a dtype"), w);
        key("level");
        s.level = ident("an SRAM level");
        s.bytes = int_field("bytes");
        return s;
    }
    Token token() {
        expect_word("token");
        Token t;
        t.name = ident("token name");
        t.init = int_field("init");
        return t;
    }

    Block block_until_end() {
        Block b;
        while (cur().kind != Tok::End)
            b.push_back(stmt());
        return b;
    }
    // Nesting is bounded so a hostile text cannot exhaust the stack.
    struct Nest {
        Parser& p;
        explicit Nest(Parser& parser) : p(parser) {
            if (++p.depth_ > kMaxDepth) p.fail("at most " + std::to_string(kMaxDepth) + " levels of nesting");
        }
        ~Nest() { --p.depth_; }
    };
    static constexpr int kMaxDepth = 200;
    int depth_ = 0;

    Block braced_block() {
        Nest nest(*this);
        expect_punct("{");
        Block b;
        while (!peek_punct("}")) {
            if (cur().kind == Tok::End) fail("'}'");
            b.push_back(stmt());
        }
        ++pos_;
        return b;
    }

    Node stmt() {
        if (cur().kind != Tok::Ident) fail("a statement");
        std::string w = cur().text;
        ++pos_;
        if (w == "loop") {
            Loop l;
            l.var = ident("a loop variable");
            l.min = expr_field("min");
            l.extent = expr_field("extent");
            if (peek_word("parallel")) {
                l.parallel = true;
                ++pos_;
            }
            l.body = braced_block();
            return l;
        }
        if (w == "token") {
            --pos_;
            return token();
        }
        if (w == "if") {
            If c;
            c.cond = expr();
            c.then_body = braced_block();
            if (peek_word("else")) {
                ++pos_;
                c.else_body = braced_block();
            }
            return c;
        }
        if (w == "fork") {
            Fork f;
            expect_punct("{");
            while (!peek_punct("}")) {
                expect_word("thread");
                f.threads.push_back(braced_block());
            }
            ++pos_;
            return f;
        }
        if (w == "dma_in") {
            DmaIn d;
            d.tensor = ident("a tensor name");
            d.offset = expr_field("offset");
            d.box = box();
            expect_punct("->");
            d.sram = ident("an SRAM buffer name");
            d.sram_offset = expr_field("offset");
            if (peek_word("gather")) {
                key("gather");
                d.gather = ident("an SRAM buffer name");
            }
            d.func = optional_func();
            return d;
        }
        if (w == "dma_out") {
            DmaOut d;
            d.sram = ident("an SRAM buffer name");
            d.sram_offset = expr_field("offset");
            expect_punct("->");
            d.tensor = ident("a tensor name");
            d.offset = expr_field("offset");
            d.box = box();
            d.func = optional_func();
            return d;
        }
        if (w == "matmul") {
            MatMul m;
            m.m = expr_field("m");
            m.n = expr_field("n");
            m.k = expr_field("k");
            std::tie(m.a, m.a_type) = typed_buffer("a");
            std::tie(m.b, m.b_type) = typed_buffer("b");
            std::tie(m.acc, m.acc_type) = typed_buffer("acc");
            m.func = optional_func();
            return m;
        }
        if (w == "vector") {
            Vector v;
            std::string at = where();
            v.ops = {parse_vector_op(ident("a vector op"), at)};
            while (peek_punct("+")) {
                ++pos_;
                at = where();
                v.ops.push_back(parse_vector_op(ident("a vector op"), at));
            }
            v.elements = expr_field("elements");
            key("dtype");
            at = where();
            v.dtype = parse_dtype(ident("a dtype"), at);
            key("in");
            expect_punct("[");
            while (!peek_punct("]")) {
                if (!v.inputs.empty()) expect_punct(",");
                v.inputs.push_back(ident("an SRAM buffer name"));
            }
            ++pos_;
            key("out");
            v.output = ident("an SRAM buffer name");
            v.func = optional_func();
            return v;
        }
        if (w == "signal" || w == "wait") {
            std::string tok = ident("a token name");
            Expr count = expr_field("count");
            if (w == "signal") return Signal{tok, count};
            return Wait{tok, count};
        }
        --pos_;
        fail("a statement (loop, fork, if, token, dma_in, dma_out, matmul, vector, signal, wait)");
    }
};

}  // namespace

Program parse_program(const std::string& text, const std::string& source) {
    return Parser(text, source).program();
}

}  // namespace npu
