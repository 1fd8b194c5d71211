//! Every fn with a body in one parsed file, where the attribute goes and what form it has.

use proc_macro2::{LineColumn, Span, TokenStream, TokenTree};
use quote::ToTokens;
use syn::visit::{self, Visit};
use syn::{Attribute, Block, FnModifiers, ItemFn, Signature, Visibility};

use crate::forms::{Context, forms};

/// One fn with a body.
pub struct Site {
    pub name: String,
    /// Where `#[perf_runtime::profile] ` is inserted: after the fn's own attributes, before its
    /// visibility, so attributes written above it (`#[cfg]`, `#[track_caller]`, other attribute
    /// macros) stay outside it as they were.
    pub insert_at: LineColumn,
    /// First line of the item (its first attribute) and line of its closing brace: a compile
    /// error inside this range is blamed on the innermost fn that holds it.
    pub first_line: usize,
    pub last_line: usize,
    pub forms: Vec<&'static str>,
    pub is_const: bool,
    /// Inside an `impl`, `trait` or inline `mod` that `--groups` annotates as a whole.
    pub covered: bool,
}

#[derive(Default)]
pub struct Sites {
    pub fns: Vec<Site>,
    /// `fn name` pairs inside macro invocations and `macro_rules!` bodies, which are not parsed.
    pub in_macros: usize,
    /// Where `--groups` puts the attribute: each `impl`, `trait` and inline `mod` not inside
    /// another one (fn bodies start afresh: the attribute does not reach into them).
    pub groups: Vec<LineColumn>,
}

pub fn find(file: &syn::File) -> Sites {
    let mut finder =
        Finder { sites: Sites::default(), context: Context::Free, depth: 0, covered: false };
    finder.visit_file(file);
    finder.sites
}

struct Finder {
    sites: Sites,
    context: Context,
    /// How many fn bodies enclose the current node.
    depth: usize,
    /// Inside a group that `--groups` annotates.
    covered: bool,
}

impl Finder {
    fn site(&mut self, attrs: &[Attribute], head: TokenStream, sig: &Signature, block: &Block) {
        let insert_at = first_start(head).unwrap_or_else(|| sig.fn_token.span.start());
        let first_line = attrs
            .iter()
            .map(|a| a.pound_token.span.start().line)
            .chain([insert_at.line])
            .min()
            .unwrap_or(insert_at.line);
        self.sites.fns.push(Site {
            name: sig.ident.to_string(),
            insert_at,
            first_line,
            last_line: block.brace_token.span.close().end().line,
            forms: forms(attrs, sig, self.context, self.depth > 0),
            is_const: sig.constness.is_some(),
            covered: self.covered,
        });
    }

    fn body(&mut self, block: &Block) {
        let outer = std::mem::replace(&mut self.context, Context::Free);
        let covered = std::mem::replace(&mut self.covered, false);
        self.depth += 1;
        self.visit_block(block);
        self.depth -= 1;
        self.context = outer;
        self.covered = covered;
    }

    /// Visits a group, recording where its attribute goes if no group encloses it.
    fn group(&mut self, head: TokenStream, visit: impl FnOnce(&mut Self)) {
        let covered = self.covered;
        if !covered && let Some(at) = first_start(head) {
            self.sites.groups.push(at);
        }
        self.covered = true;
        visit(self);
        self.covered = covered;
    }
}

/// The tokens that open an item, after its attributes.
fn head_tokens(parts: &[&dyn ToTokens]) -> TokenStream {
    let mut tokens = TokenStream::new();
    for part in parts {
        part.to_tokens(&mut tokens);
    }
    tokens
}

/// The tokens between the attributes and `fn`: visibility, `default`, the signature.
fn head(vis: &Visibility, modifiers: &FnModifiers, sig: &Signature) -> TokenStream {
    let mut tokens = vis.to_token_stream();
    if let Some(default) = &modifiers.defaultness {
        default.to_tokens(&mut tokens);
    }
    sig.to_tokens(&mut tokens);
    tokens
}

fn first_start(tokens: TokenStream) -> Option<LineColumn> {
    tokens.into_iter().next().map(|tt| span_of(&tt).start())
}

fn span_of(tt: &TokenTree) -> Span {
    match tt {
        TokenTree::Group(g) => g.span_open(),
        other => other.span(),
    }
}

impl<'ast> Visit<'ast> for Finder {
    fn visit_item_fn(&mut self, f: &'ast ItemFn) {
        self.site(&f.attrs, head(&f.vis, &f.modifiers, &f.sig), &f.sig, &f.block);
        self.body(&f.block);
    }

    fn visit_impl_item_fn(&mut self, f: &'ast syn::ImplItemFn) {
        self.site(&f.attrs, head(&f.vis, &f.modifiers, &f.sig), &f.sig, &f.block);
        self.body(&f.block);
    }

    fn visit_trait_item_fn(&mut self, f: &'ast syn::TraitItemFn) {
        if let Some(block) = &f.default {
            let head = head(&Visibility::Inherited, &f.modifiers, &f.sig);
            self.site(&f.attrs, head, &f.sig, block);
            self.body(block);
        }
    }

    fn visit_item_impl(&mut self, i: &'ast syn::ItemImpl) {
        let context = if i.trait_.is_some() { Context::TraitImpl } else { Context::Inherent };
        let outer = std::mem::replace(&mut self.context, context);
        let head = head_tokens(&[&i.modifiers.defaultness, &i.unsafety, &i.impl_token]);
        self.group(head, |me| visit::visit_item_impl(me, i));
        self.context = outer;
    }

    fn visit_item_trait(&mut self, t: &'ast syn::ItemTrait) {
        let outer = std::mem::replace(&mut self.context, Context::TraitDefault);
        let head = head_tokens(&[&t.vis, &t.unsafety, &t.modifiers.auto_token, &t.trait_token]);
        self.group(head, |me| visit::visit_item_trait(me, t));
        self.context = outer;
    }

    fn visit_item_mod(&mut self, m: &'ast syn::ItemMod) {
        let outer = std::mem::replace(&mut self.context, Context::Free);
        if m.content.is_some() {
            let head = head_tokens(&[&m.vis, &m.unsafety, &m.mod_token]);
            self.group(head, |me| visit::visit_item_mod(me, m));
        } else {
            visit::visit_item_mod(self, m);
        }
        self.context = outer;
    }

    fn visit_macro(&mut self, m: &'ast syn::Macro) {
        self.sites.in_macros += count_fns(m.tokens.clone());
    }
}

fn count_fns(tokens: TokenStream) -> usize {
    let mut count = 0;
    let mut after_fn = false;
    for tt in tokens {
        match &tt {
            TokenTree::Ident(i) if after_fn => {
                after_fn = false;
                count += usize::from(i != "fn");
            }
            TokenTree::Ident(i) => after_fn = i == "fn",
            TokenTree::Group(g) => {
                after_fn = false;
                count += count_fns(g.stream());
            }
            _ => after_fn = false,
        }
    }
    count
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_site_found_in_a_parsed_file_gets_the_attribute_once() {
        let text = "\u{feff}pub fn a() { fn inner() {} }\n\
                    impl S { #[inline]\n    pub(crate) unsafe fn m(&self) {} const fn c() {} }\n\
                    trait T { fn d(&self) {} fn e(&self); }\n\
                    impl T for S { fn e(&self) { macro_rules! m { () => { fn hidden() {} } } } }\n";
        let file = syn::parse_file(text).unwrap();
        let found = crate::sites::find(&file);
        let names: Vec<_> = found.fns.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["a", "inner", "m", "c", "d", "e"]);
        assert_eq!(found.in_macros, 1);
        let keep: Vec<_> = found.fns.iter().filter(|f| !f.is_const).map(|f| f.insert_at).collect();
        let out = crate::insert::at(text, true, &keep, "#[p] ");
        let expected = "\u{feff}#[p] pub fn a() { #[p] fn inner() {} }\n\
                        impl S { #[inline]\n    #[p] pub(crate) unsafe fn m(&self) {} const fn c() {} }\n\
                        trait T { #[p] fn d(&self) {} fn e(&self); }\n\
                        impl T for S { #[p] fn e(&self) { macro_rules! m { () => { fn hidden() {} } } } }\n";
        assert_eq!(out, expected);
        assert_eq!(found.fns[2].forms, ["inherent", "method", "unsafe"]);
        assert_eq!(found.fns[1].forms, ["free", "nested"]);
    }

    #[test]
    fn groups_are_the_outermost_impls_traits_and_inline_mods() {
        let text = "pub fn a() { impl X {} }\n\
                    #[cfg(test)]\nmod m { impl S { fn b() {} } pub(crate) trait T { fn c() {} } }\n\
                    unsafe impl Send for S {}\nmod file;\n";
        let file = syn::parse_file(text).unwrap();
        let found = crate::sites::find(&file);
        let out = crate::insert::at(text, false, &found.groups, "#[g] ");
        let expected = "pub fn a() { #[g] impl X {} }\n\
                        #[cfg(test)]\n#[g] mod m { impl S { fn b() {} } pub(crate) trait T { fn c() {} } }\n\
                        #[g] unsafe impl Send for S {}\nmod file;\n";
        assert_eq!(out, expected);
        let covered: Vec<_> = found.fns.iter().map(|f| (f.name.as_str(), f.covered)).collect();
        assert_eq!(covered, [("a", false), ("b", true), ("c", true)]);
    }
}
