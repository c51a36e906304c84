#include "models/wordpiece.h"

#include <fstream>

#include "base/errors.h"

namespace npusim::models {

namespace {

// Decodes one UTF-8 code point at s[i], advancing i; a malformed byte reads as U+FFFD.
uint32_t next_code_point(const std::string& s, size_t& i) {
    const auto b = static_cast<unsigned char>(s[i++]);
    int more = b >= 0xf0 ? 3 : b >= 0xe0 ? 2 : b >= 0xc0 ? 1 : 0;
    if (b >= 0x80 && b < 0xc0) return 0xfffd;
    uint32_t cp = more == 3 ? b & 0x07u : more == 2 ? b & 0x0fu : more == 1 ? b & 0x1fu : b;
    while (more-- > 0) {
        if (i >= s.size() || (static_cast<unsigned char>(s[i]) & 0xc0) != 0x80) return 0xfffd;
        cp = cp << 6 | (static_cast<unsigned char>(s[i++]) & 0x3fu);
    }
    return cp;
}

void append_utf8(std::string& out, uint32_t cp) {
    if (cp < 0x80) {
        out += static_cast<char>(cp);
    } else if (cp < 0x800) {
        out += static_cast<char>(0xc0 | cp >> 6);
        out += static_cast<char>(0x80 | (cp & 0x3f));
    } else if (cp < 0x10000) {
        out += static_cast<char>(0xe0 | cp >> 12);
        out += static_cast<char>(0x80 | (cp >> 6 & 0x3f));
        out += static_cast<char>(0x80 | (cp & 0x3f));
    } else {
        out += static_cast<char>(0xf0 | cp >> 18);
        out += static_cast<char>(0x80 | (cp >> 12 & 0x3f));
        out += static_cast<char>(0x80 | (cp >> 6 & 0x3f));
        out += static_cast<char>(0x80 | (cp & 0x3f));
    }
}

bool is_whitespace(uint32_t c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == 0xa0 || c == 0x3000 || (c >= 0x2000 && c <= 0x200a);
}

bool is_control(uint32_t c) {
    if (c == '\t' || c == '\n' || c == '\r') return false;
    return c < 0x20 || (c >= 0x7f && c < 0xa0) || c == 0xfffd || (c >= 0x200b && c <= 0x200f);
}

bool is_punctuation(uint32_t c) {
    return (c >= 33 && c <= 47) || (c >= 58 && c <= 64) || (c >= 91 && c <= 96) || (c >= 123 && c <= 126) ||
           (c >= 0xa1 && c <= 0xbf && c != 0xaa && c != 0xb2 && c != 0xb3 && c != 0xb5 && c != 0xb9 && c != 0xba &&
            c != 0xbc && c != 0xbd && c != 0xbe) ||
           (c >= 0x2010 && c <= 0x2027) || (c >= 0x2030 && c <= 0x205e);
}

bool is_cjk(uint32_t c) {
    return (c >= 0x4e00 && c <= 0x9fff) || (c >= 0x3400 && c <= 0x4dbf) || (c >= 0x20000 && c <= 0x2a6df) ||
           (c >= 0xf900 && c <= 0xfaff) || (c >= 0x2f800 && c <= 0x2fa1f);
}

// Lower case with accents stripped (NFD, marks dropped), for ASCII and Latin-1 letters.
uint32_t fold(uint32_t c) {
    if (c >= 'A' && c <= 'Z') return c + 32;
    if (c < 0xc0 || c > 0xff) return c;
    static const uint16_t latin1[64] = {
        'a',  'a', 'a', 'a', 'a', 'a', 0xe6, 'c',  'e',  'e', 'e', 'e', 'i', 'i', 'i',  'i',   // C0..CF
        0xf0, 'n', 'o', 'o', 'o', 'o', 'o',  0xd7, 0xf8, 'u', 'u', 'u', 'u', 'y', 0xfe, 0xdf,  // D0..DF
        'a',  'a', 'a', 'a', 'a', 'a', 0xe6, 'c',  'e',  'e', 'e', 'e', 'i', 'i', 'i',  'i',   // E0..EF
        0xf0, 'n', 'o', 'o', 'o', 'o', 'o',  0xf7, 0xf8, 'u', 'u', 'u', 'u', 'y', 0xfe, 'y'};  // F0..FF
    return latin1[c - 0xc0];
}

}  // namespace

WordPiece::WordPiece(const std::string& vocab_path) {
    std::ifstream in(vocab_path);
    if (!in) throw npu::UserError(vocab_path + ": cannot read the WordPiece vocabulary");
    std::string line;
    while (std::getline(in, line)) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        ids_.emplace(line, static_cast<int32_t>(tokens_.size()));
        tokens_.push_back(line);
    }
    for (const char* special : {"[CLS]", "[SEP]", "[UNK]"})
        if (!ids_.count(special))
            throw npu::UserError(vocab_path + ": the vocabulary has no " + std::string(special) + " token");
    cls_ = ids_.at("[CLS]");
    sep_ = ids_.at("[SEP]");
    unk_ = ids_.at("[UNK]");
}

std::vector<std::string> WordPiece::basic_tokens(const std::string& text) const {
    std::vector<std::string> words;
    std::string cur;
    auto flush = [&] {
        if (!cur.empty()) words.push_back(cur);
        cur.clear();
    };
    for (size_t i = 0; i < text.size();) {
        const uint32_t c = next_code_point(text, i);
        if (c == 0 || is_control(c)) continue;
        if (is_whitespace(c)) {
            flush();
        } else if (is_punctuation(c) || is_cjk(c)) {
            flush();
            append_utf8(cur, fold(c));
            flush();
        } else {
            append_utf8(cur, fold(c));
        }
    }
    flush();
    return words;
}

std::vector<int32_t> WordPiece::encode(const std::string& text, size_t max_tokens) const {
    std::vector<int32_t> ids = {cls_};
    for (const std::string& word : basic_tokens(text)) {
        size_t chars = 0;
        for (size_t i = 0; i < word.size();) {
            next_code_point(word, i);
            ++chars;
        }
        std::vector<int32_t> pieces;
        bool bad = chars > 100;
        for (size_t start = 0; !bad && start < word.size();) {
            size_t end = word.size();
            int32_t found = -1;
            while (end > start) {
                const std::string piece = (start ? "##" : "") + word.substr(start, end - start);
                auto it = ids_.find(piece);
                if (it != ids_.end()) {
                    found = it->second;
                    break;
                }
                do {  // back off one code point
                    --end;
                } while (end > start && (static_cast<unsigned char>(word[end]) & 0xc0) == 0x80);
            }
            if (found < 0)
                bad = true;
            else
                pieces.push_back(found);
            start = end;
        }
        if (bad) pieces = {unk_};
        ids.insert(ids.end(), pieces.begin(), pieces.end());
    }
    if (ids.size() + 1 > max_tokens) ids.resize(max_tokens - 1);
    ids.push_back(sep_);
    return ids;
}

}  // namespace npusim::models
