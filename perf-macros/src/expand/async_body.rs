//! The shapes an async body can take, and the fake return edge that keeps `return` coercions
//! working once the body is moved into a closure or an `async` block.

use proc_macro2::{Delimiter, Group, TokenStream, TokenTree};
use quote::{ToTokens, quote};
use syn::visit_mut::VisitMut;

/// `Box::pin(async move { ... })`, the body `#[async_trait]` leaves on a method before our
/// attribute runs: the future is what must be timed, not the boxing.
pub(crate) struct BoxedAsync {
    /// Everything before the parenthesised argument (`Box::pin`, in any spelling).
    pub(crate) pin_fn: TokenStream,
    /// The `{ ... }` of the `async move` block.
    pub(crate) block: Group,
}

pub(crate) fn boxed_async(body: &Group) -> Option<BoxedAsync> {
    let tokens: Vec<TokenTree> = body.stream().into_iter().collect();
    let (TokenTree::Group(args), pin_fn) = tokens.split_last()? else {
        return None;
    };
    let ends_with_box_pin = matches!(
        pin_fn,
        [.., TokenTree::Ident(b), TokenTree::Punct(_), TokenTree::Punct(_), TokenTree::Ident(p)]
            if b == "Box" && p == "pin"
    );
    if args.delimiter() != Delimiter::Parenthesis || !ends_with_box_pin {
        return None;
    }
    match &args.stream().into_iter().collect::<Vec<_>>()[..] {
        [TokenTree::Ident(a), TokenTree::Ident(m), TokenTree::Group(block)]
            if a == "async" && m == "move" && block.delimiter() == Delimiter::Brace =>
        {
            Some(BoxedAsync { pin_fn: pin_fn.iter().cloned().collect(), block: block.clone() })
        }
        _ => None,
    }
}

/// An unreachable `return` of the declared type, so the closure or block that now holds the body
/// gets the fn's return type and `return Box::new(x)` still coerces to `Box<dyn Trait>`
/// (the technique of tracing's `#[instrument]`). `impl Trait` is erased to `_`.
pub(crate) fn fake_return_edge(output: Option<&syn::Type>) -> TokenStream {
    let Some(ty) = output else {
        return TokenStream::new();
    };
    let mut ty = ty.clone();
    EraseImplTrait.visit_type_mut(&mut ty);
    quote! {
        #[allow(unreachable_code, clippy::diverging_sub_expression, clippy::needless_return)]
        if false {
            let __perf_fake_return: #ty = loop {};
            return __perf_fake_return;
        }
    }
}

/// `body` with the fake return edge as its first statement, in the body's own braces: wrapped in
/// braces of our own, a body that is one expression (`{ Some(x) }`) would trip `unused_braces`.
pub(crate) fn edged_body(body: &proc_macro2::Group, output: Option<&syn::Type>) -> TokenStream {
    let stream = super::compose::prepend_after_inner_attrs(body, fake_return_edge(output));
    let mut block = proc_macro2::Group::new(proc_macro2::Delimiter::Brace, stream);
    block.set_span(body.span());
    block.into_token_stream()
}

/// The return type as a type argument: `()` when none is written, `impl Trait` erased to `_`.
pub(crate) fn return_type(output: Option<&syn::Type>) -> TokenStream {
    match output {
        Some(ty) => erase_impl_trait(ty).into_token_stream(),
        None => quote!(()),
    }
}

fn erase_impl_trait(ty: &syn::Type) -> syn::Type {
    let mut ty = ty.clone();
    EraseImplTrait.visit_type_mut(&mut ty);
    ty
}

/// Whether `ty` has an `impl Trait` anywhere in it, so it cannot be written elsewhere.
pub(crate) fn contains_impl_trait(ty: &syn::Type) -> bool {
    fn has_impl(tokens: TokenStream) -> bool {
        tokens.into_iter().any(|tt| match tt {
            TokenTree::Ident(i) => i == "impl",
            TokenTree::Group(g) => has_impl(g.stream()),
            _ => false,
        })
    }
    has_impl(ty.to_token_stream())
}

struct EraseImplTrait;

impl VisitMut for EraseImplTrait {
    fn visit_type_mut(&mut self, ty: &mut syn::Type) {
        if let syn::Type::ImplTrait(it) = ty {
            *ty = syn::parse_quote_spanned!(it.impl_token.span=> _);
        } else {
            syn::visit_mut::visit_type_mut(self, ty);
        }
    }
}
