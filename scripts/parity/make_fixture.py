#!/usr/bin/env python3
"""Parity fixtures for Distillery's encoder, Kronecker layer and NKP (STYLE R13).

Writes, under test/fixtures/parity/:
  bert-tiny/config.json, vocab.txt   a tiny random BERT's Hugging Face config and vocabulary
  bert-tiny/model.safetensors        its weights as F32 (BertForSequenceClassification names)
  bert-tiny/model-f16.safetensors    the same weights as F16 and BF16 (every weight is rounded to a
  bert-tiny/model-bf16.safetensors   value all three dtypes hold exactly, so one reference fits all)
  bert-tiny.json                     fixed inputs and the reference logits, hidden states,
                                     pre-softmax attention scores and attention probabilities
  kronecker.json                     a Kronecker layer y = x (sum_r kron(A_r, B_r))^T via torch.kron,
                                     and the singular values of an NKP rearrangement (torch SVD)

The BERT forward is plain PyTorch written to Hugging Face's BertForSequenceClassification math
(exact erf GELU, LayerNorm eps 1e-12, additive extended attention mask (1 - mask) * finfo.min,
tanh pooler over [CLS], eval mode). If `transformers` imports, the same weights are also run
through transformers' BertForSequenceClassification and must agree to 1e-5.

Usage: /usr/bin/python3 scripts/parity/make_fixture.py   (needs torch; Debian's python3-torch works)
"""
import json
import math
import os
import struct
import sys

import torch

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'test', 'fixtures', 'parity')

CONFIG = {
    'architectures': ['BertForSequenceClassification'],
    'model_type': 'bert',
    'vocab_size': 40,
    'hidden_size': 32,
    'num_hidden_layers': 2,
    'num_attention_heads': 4,
    'intermediate_size': 64,
    'hidden_act': 'gelu',
    'hidden_dropout_prob': 0.1,
    'attention_probs_dropout_prob': 0.1,
    'max_position_embeddings': 24,
    'type_vocab_size': 2,
    'initializer_range': 0.02,
    'layer_norm_eps': 1e-12,
    'pad_token_id': 0,
    'position_embedding_type': 'absolute',
    'id2label': {'0': 'negative', '1': 'neutral', '2': 'positive'},
    'label2id': {'negative': 0, 'neutral': 1, 'positive': 2},
}

VOCAB = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'] + [f'w{i}' for i in range(35)]

# Three rows of 8 tokens: a single sentence with padding, a sentence pair (token types 0/1), and a
# full row; ids are arbitrary vocabulary entries, pads are id 0 with mask 0.
IDS = [
    [2, 7, 11, 19, 3, 0, 0, 0],
    [2, 5, 6, 3, 30, 31, 3, 0],
    [2, 9, 12, 15, 21, 27, 33, 3],
]
TYPES = [
    [0, 0, 0, 0, 0, 0, 0, 0],
    [0, 0, 0, 0, 1, 1, 1, 0],
    [0, 0, 0, 0, 0, 0, 0, 0],
]
MASK = [[1 if i < n else 0 for i in range(8)] for n in (5, 7, 8)]


def representable(t):
    """Rounds to bfloat16 and zeroes |x| < 2^-17, so F32, F16 and BF16 all hold each value exactly."""
    r = t.to(torch.bfloat16).to(torch.float32)
    return torch.where(r.abs() < 2.0 ** -17, torch.zeros_like(r), r)


def make_weights(c):
    g = torch.Generator().manual_seed(1234)
    H, I, L, C = c['hidden_size'], c['intermediate_size'], c['num_hidden_layers'], len(c['id2label'])
    # Larger than BERT's 0.02 init so that every weight visibly shapes the outputs.
    def w(*shape, std=0.2):
        return representable(torch.randn(*shape, generator=g) * std)

    def ln(name):
        out[f'{name}.weight'] = representable(1 + 0.1 * torch.randn(H, generator=g))
        out[f'{name}.bias'] = w(H, std=0.1)

    out = {}
    out['bert.embeddings.word_embeddings.weight'] = w(c['vocab_size'], H, std=0.5)
    out['bert.embeddings.position_embeddings.weight'] = w(c['max_position_embeddings'], H, std=0.5)
    out['bert.embeddings.token_type_embeddings.weight'] = w(c['type_vocab_size'], H, std=0.5)
    ln('bert.embeddings.LayerNorm')
    for l in range(L):
        p = f'bert.encoder.layer.{l}'
        for name, (o, i) in {
            'attention.self.query': (H, H), 'attention.self.key': (H, H), 'attention.self.value': (H, H),
            'attention.output.dense': (H, H), 'intermediate.dense': (I, H), 'output.dense': (H, I),
        }.items():
            out[f'{p}.{name}.weight'] = w(o, i)
            out[f'{p}.{name}.bias'] = w(o, std=0.1)
        ln(f'{p}.attention.output.LayerNorm')
        ln(f'{p}.output.LayerNorm')
    out['bert.pooler.dense.weight'] = w(H, H)
    out['bert.pooler.dense.bias'] = w(H, std=0.1)
    out['classifier.weight'] = w(C, H)
    out['classifier.bias'] = w(C, std=0.1)
    return out


def layer_norm(x, p, name, eps):
    return torch.nn.functional.layer_norm(x, x.shape[-1:], p[f'{name}.weight'], p[f'{name}.bias'], eps)


def linear(x, p, name):
    return x @ p[f'{name}.weight'].T + p[f'{name}.bias']


def bert_forward(p, c, ids, types, mask):
    """BertForSequenceClassification in eval mode, written out. Returns logits, hidden states,
    raw scores QK^T/sqrt(d) (before the mask) and attention probabilities."""
    B, T = ids.shape
    H, heads, eps = c['hidden_size'], c['num_attention_heads'], c['layer_norm_eps']
    d = H // heads
    pos = torch.arange(T)
    x = (p['bert.embeddings.word_embeddings.weight'][ids]
         + p['bert.embeddings.position_embeddings.weight'][pos][None]
         + p['bert.embeddings.token_type_embeddings.weight'][types])
    x = layer_norm(x, p, 'bert.embeddings.LayerNorm', eps)
    extended = (1.0 - mask[:, None, None, :].to(x.dtype)) * torch.finfo(x.dtype).min  # HF get_extended_attention_mask
    hidden, scores, probs = [x], [], []
    for l in range(c['num_hidden_layers']):
        pre = f'bert.encoder.layer.{l}'
        split = lambda t: t.view(B, T, heads, d).permute(0, 2, 1, 3)
        q = split(linear(x, p, f'{pre}.attention.self.query'))
        k = split(linear(x, p, f'{pre}.attention.self.key'))
        v = split(linear(x, p, f'{pre}.attention.self.value'))
        s = q @ k.transpose(-1, -2) / math.sqrt(d)
        a = torch.softmax(s + extended, dim=-1)
        ctx = (a @ v).permute(0, 2, 1, 3).reshape(B, T, H)
        att = layer_norm(linear(ctx, p, f'{pre}.attention.output.dense') + x, p, f'{pre}.attention.output.LayerNorm', eps)
        inner = torch.nn.functional.gelu(linear(att, p, f'{pre}.intermediate.dense'))  # exact erf GELU
        x = layer_norm(linear(inner, p, f'{pre}.output.dense') + att, p, f'{pre}.output.LayerNorm', eps)
        hidden.append(x)
        scores.append(s)
        probs.append(a)
    pooled = torch.tanh(linear(x[:, 0], p, 'bert.pooler.dense'))
    return linear(pooled, p, 'classifier'), hidden, scores, probs


def transformers_forward(p, c, ids, types, mask):
    """The same model through transformers, when it is installed; None otherwise."""
    try:
        from transformers import BertConfig, BertForSequenceClassification
    except ImportError:
        return None
    model = BertForSequenceClassification(BertConfig(**{k: v for k, v in c.items() if k != 'architectures'}))
    missing, unexpected = model.load_state_dict({k: v.float() for k, v in p.items()}, strict=False)
    assert not unexpected and all('position_ids' in m for m in missing), (missing, unexpected)
    model.eval()
    with torch.no_grad():
        out = model(input_ids=ids, token_type_ids=types, attention_mask=mask,
                    output_hidden_states=True, output_attentions=True)
    return out.logits, out.hidden_states, out.attentions


def write_safetensors(path, tensors, dtype):
    """The safetensors format by hand: u64 LE header length, JSON header padded with spaces to a
    multiple of 8, then little-endian data in header order."""
    header, chunks, offset = {'__metadata__': {'format': 'pt'}}, [], 0
    for name in sorted(tensors):
        t = tensors[name].contiguous()
        if dtype == 'F32':
            raw = t.to(torch.float32).numpy().astype('<f4').tobytes()
        elif dtype == 'F16':
            raw = t.to(torch.float16).numpy().astype('<f2').tobytes()
        else:  # BF16: the upper half of each float32, via an int16 view
            raw = t.to(torch.bfloat16).view(torch.int16).numpy().astype('<i2').tobytes()
        header[name] = {'dtype': dtype, 'shape': list(t.shape), 'data_offsets': [offset, offset + len(raw)]}
        chunks.append(raw)
        offset += len(raw)
    text = json.dumps(header, separators=(',', ':')).encode('utf-8')
    text += b' ' * (-len(text) % 8)
    with open(path, 'wb') as f:
        f.write(struct.pack('<Q', len(text)))
        f.write(text)
        for raw in chunks:
            f.write(raw)


def rounded(t):
    """Nested lists of floats with 9 significant digits (float32 needs at most 9)."""
    if isinstance(t, torch.Tensor):
        t = t.tolist()
    if isinstance(t, list):
        return [rounded(x) for x in t]
    return float(f'{t:.9g}')


def bert_fixture():
    c = CONFIG
    p32 = make_weights(c)
    p = {k: v.double() for k, v in p32.items()}
    ids, types, mask = torch.tensor(IDS), torch.tensor(TYPES), torch.tensor(MASK)
    with torch.no_grad():
        logits, hidden, scores, probs = bert_forward(p, c, ids, types, mask)
    reference = 'plain PyTorch (HF BertForSequenceClassification math), float64'
    hf = transformers_forward(p32, c, ids, types, mask)
    if hf is not None:
        hf_logits, hf_hidden, hf_probs = hf
        assert torch.allclose(hf_logits.double(), logits, atol=1e-5), 'transformers disagrees on logits'
        for a, b in zip(hf_hidden, hidden):
            assert torch.allclose(a.double(), b, atol=1e-5), 'transformers disagrees on hidden states'
        reference += f'; cross-checked with transformers {__import__("transformers").__version__}'
    d = os.path.join(OUT, 'bert-tiny')
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, 'config.json'), 'w') as f:
        json.dump(c, f, indent=2)
        f.write('\n')
    with open(os.path.join(d, 'vocab.txt'), 'w') as f:
        f.write('\n'.join(VOCAB) + '\n')
    write_safetensors(os.path.join(d, 'model.safetensors'), p32, 'F32')
    write_safetensors(os.path.join(d, 'model-f16.safetensors'), p32, 'F16')
    write_safetensors(os.path.join(d, 'model-bf16.safetensors'), p32, 'BF16')
    with open(os.path.join(OUT, 'bert-tiny.json'), 'w') as f:
        json.dump({
            'reference': reference,
            'torch': torch.__version__,
            'ids': IDS, 'typeIds': TYPES, 'mask': MASK,
            'logits': rounded(logits),
            'hidden': rounded([h for h in hidden]),
            'scores': rounded([s for s in scores]),
            'probs': rounded([a for a in probs]),
        }, f, separators=(',', ':'))
        f.write('\n')
    return reference


def kron_fixture():
    g = torch.Generator().manual_seed(99)
    r, m1, n1, m2, n2, N = 2, 3, 4, 5, 2, 4
    A = torch.randn(r, m1, n1, generator=g, dtype=torch.float64)
    B = torch.randn(r, m2, n2, generator=g, dtype=torch.float64)
    x = torch.randn(N, n1 * n2, generator=g, dtype=torch.float64)
    W = sum(torch.kron(A[i], B[i]) for i in range(r))
    y = x @ W.T
    # NKP: a random W [m1*m2, n1*n2] with (m1, n1, m2, n2) = (3, 4, 4, 5), row-major rearrangement.
    s = dict(m1=3, n1=4, m2=4, n2=5)
    Wn = torch.randn(s['m1'] * s['m2'], s['n1'] * s['n2'], generator=g, dtype=torch.float64)
    R = Wn.reshape(s['m1'], s['m2'], s['n1'], s['n2']).permute(0, 2, 1, 3).reshape(s['m1'] * s['n1'], s['m2'] * s['n2'])
    U, S, Vh = torch.linalg.svd(R, full_matrices=False)
    rank1 = torch.kron((S[0].sqrt() * U[:, 0]).reshape(s['m1'], s['n1']), (S[0].sqrt() * Vh[0]).reshape(s['m2'], s['n2']))
    with open(os.path.join(OUT, 'kronecker.json'), 'w') as f:
        json.dump({
            'reference': f'torch.kron and torch.linalg.svd, float64, torch {torch.__version__}',
            'layer': {'shape': dict(m1=m1, n1=n1, m2=m2, n2=n2, sums=r),
                      'a': rounded(A), 'b': rounded(B), 'x': rounded(x), 'y': rounded(y), 'w': rounded(W)},
            'nkp': {'shape': dict(s, sums=1), 'w': rounded(Wn), 'singularValues': rounded(S),
                    'rank1': rounded(rank1)},
        }, f, separators=(',', ':'))
        f.write('\n')


def main():
    os.makedirs(OUT, exist_ok=True)
    ref = bert_fixture()
    kron_fixture()
    print(f'wrote {os.path.normpath(OUT)} ({ref})', file=sys.stderr)


if __name__ == '__main__':
    main()
