"""Generate CLASS reference tables for the non-cold dark matter transfer function.

What it computes
----------------
With CLASS (classy 3.4.1) this script computes, for one fixed Planck-2018-like
cosmology (h=0.6736, omega_b=0.02237, omega_dm=0.1200, T_cmb=2.7255, N_ur=3.046,
YHe=0.2454, reio_camb z_reio=7.67 width 0.5, n_s=0.9649, A_s=2.1e-9):

* the squared transfer function of total matter
      T^2(k, z) = P_m(k, z) / P_m,LCDM(k, z)
  on 60 log-spaced k in [0.1, 300] h/Mpc and z = 0, 2, 3, 4, 5, for models in
  which ALL of the dark matter is one non-cold (ncdm) species:
    wdm_1keV, wdm_3keV, wdm_5.3keV  thermal Fermi-Dirac, deg_ncdm = 1 (g = 2),
                                    T_ncdm solved so that omega_ncdm = 0.1200
    decay_equilibrium_10keV         f(q) ~ q^-1/2 exp(-q),        m = 10 keV
    late_decay_qtau4_15keV          f(q) ~ q^-1 exp(-q^2/16),     m = 15 keV
  (the two last ones with T_ncdm = 0.3351380298929725 T_cmb, read from the psd
  files psd_*.dat written next to this script; CLASS rescales the file's
  normalisation so that omega_ncdm = 0.1200, see 'normalisation' in the json);
* half-mode wavenumbers k_hm (T^2 = 1/2);
* convergence tests: l_max_ncdm 30 -> 50, and tighter ncdm / ODE tolerances
  (more momentum bins);
* plain-CLASS default-precision results (ncdm fluid approximation on);
* the LCDM matter power spectrum itself, and the LCDM thermal history
  (x_e, T_b, conformal time, conformal Hubble rate on 300 redshifts in [0, 1e4])
  plus z_star, z_drag, conformal age.

Output: class_transfer.json (and psd_*.dat) in the directory of this script.

How to run (from anywhere; needs the classy package, NOT the jaxbsm venv):
    OMP_NUM_THREADS=2 /work/classvenv/bin/python tests/cosmology/data/make_class_reference.py
It takes ~20-30 minutes on 2 cores. CLASS (3.x, pthread parallel) uses
OMP_NUM_THREADS threads; computations are run one after the other.
"""
import json
import time

import classy
import numpy as np

DATA_DIR = __file__.rsplit("/", 1)[0] if "/" in __file__ else "."
OUT_JSON = DATA_DIR + "/class_transfer.json"

H = 0.6736
OMEGA_DM = 0.1200
T_NONTH = 0.3351380298929725  # T_ncdm / T_cmb of the non-thermal models

COSMO = {
    "h": H,
    "omega_b": 0.02237,
    "T_cmb": 2.7255,
    "N_ur": 3.046,
    "YHe": 0.2454,
    "reio_parametrization": "reio_camb",
    "z_reio": 7.67,
    "reionization_width": 0.5,
    "n_s": 0.9649,
    "A_s": 2.1e-9,
}
Z_PK = [0.0, 2.0, 3.0, 4.0, 5.0]
OUTPUT = {"output": "mPk", "P_k_max_h/Mpc": 300.0, "z_pk": "0, 2, 3, 4, 5"}

K_H = np.geomspace(0.1, 300.0, 60)          # h/Mpc, stored grid
K_H_FINE = np.geomspace(0.1, 300.0, 2000)   # h/Mpc, only used to locate k_hm

# Converged ncdm precision settings (synchronous gauge, CLASS default gauge).
PREC_CONV = {
    "ncdm_fluid_approximation": 3,      # 3 = ncdmfa_none: full hierarchy always
    "l_max_ncdm": 30,
    "tol_ncdm_synchronous": 1e-5,       # default 1e-3 -> auto q-sampling
    "tol_ncdm_newtonian": 1e-6,         # (unused in synchronous gauge)
    "tol_ncdm_bg": 1e-8,                # default 1e-5
}
# (a) more multipoles
PREC_LMAX = dict(PREC_CONV, l_max_ncdm=50)
# (b) more momentum bins + tighter perturbation ODE tolerance. For the
# Fermi-Dirac and late-decay psd, CLASS's automatic q-sampling keeps 11 bins
# even at tol_ncdm_synchronous = 1e-6, so (b) switches to a manual 20-point
# Gauss-Laguerre quadrature (ncdm_quadrature_strategy = 1).
ODE_TIGHT = {"tol_perturbations_integration": 1e-6}   # default 1e-5
PREC_TOL = dict(PREC_CONV, ncdm_quadrature_strategy=1, ncdm_N_momentum_bins=20, **ODE_TIGHT)
# decay in equilibrium, f ~ q^-1/2 e^-q: the automatic sampling needs 45 (110) bins at
# tol 1e-5 (1e-6) because of the q -> 0 behaviour, so Gauss-Laguerre is used throughout.
PREC_CONV_DEQ = dict(PREC_CONV, ncdm_quadrature_strategy=1, ncdm_N_momentum_bins=16)
PREC_LMAX_DEQ = dict(PREC_CONV_DEQ, l_max_ncdm=50)
PREC_TOL_DEQ = dict(PREC_CONV_DEQ, ncdm_N_momentum_bins=28, **ODE_TIGHT)


def compute(params):
    c = classy.Class()
    c.set(params)
    t0 = time.time()
    c.compute()
    return c, time.time() - t0


def rel(p):
    """Parameters as recorded: psd path relative to the repository root."""
    q = dict(p)
    if "ncdm_psd_filenames" in q:
        q["ncdm_psd_filenames"] = "tests/cosmology/data/" + q["ncdm_psd_filenames"].rsplit("/", 1)[-1]
    return q


def free(c):
    c.struct_cleanup()
    c.empty()


def omega_ncdm_class(c):
    """omega_ncdm from CLASS's own background table at z = 0."""
    bg = c.get_background()
    i0 = int(np.argmin(bg["z"]))
    return float(bg["(.)rho_ncdm[0]"][i0] / bg["(.)rho_crit"][i0] * H**2)


def pk_table(c):
    """P_m(k, z) in (Mpc/h)^3 on K_H x Z_PK (total matter incl. ncdm)."""
    return np.array([[c.pk(k * H, z) * H**3 for k in K_H] for z in Z_PK])


def pk_fine_z(c, z):
    return np.array([c.pk(k * H, z) * H**3 for k in K_H_FINE])


def k_half(k, t2):
    """First downward crossing of T^2 = 1/2, linear interpolation in log k."""
    t2 = np.asarray(t2)
    below = np.nonzero(t2 < 0.5)[0]
    if len(below) == 0 or below[0] == 0:
        return None
    i = below[0]
    x0, x1 = np.log(k[i - 1]), np.log(k[i])
    y0, y1 = t2[i - 1], t2[i]
    return float(np.exp(x0 + (0.5 - y0) * (x1 - x0) / (y1 - y0)))


def rnd(a, sig=8):
    return [float(f"{x:.{sig}g}") for x in np.ravel(a)] if np.ndim(a) == 1 else \
        [rnd(r, sig) for r in a]


# --------------------------------------------------------------------------
# psd files
# --------------------------------------------------------------------------
def f_decay_eq(q):
    return q**-0.5 * np.exp(-q)


def f_late_decay(q, qtau=4.0):
    return np.exp(-q**2 / qtau**2) / q


def write_psd(fname, f, amp=1.0, q_min=1e-4, ratio=1e-30, n_log=400, n_lin=1600, q_join=1.0):
    """q: n_log log-spaced points in [q_min, q_join) + n_lin linear points in
    [q_join, q_max], q_max where f(q) = ratio * f(q_min) (f is largest at q_min).
    The linear part keeps the cubic spline CLASS uses smooth in the exp tail."""
    fmax = f(q_min)
    lo, hi = q_join, 1000.0
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if f(mid) > ratio * fmax:
            lo = mid
        else:
            hi = mid
    q_max = hi
    q = np.concatenate([np.geomspace(q_min, q_join, n_log, endpoint=False),
                        np.linspace(q_join, q_max, n_lin)])
    fq = amp * f(q)
    with open(fname, "w") as fh:
        for a, b in zip(q, fq):
            fh.write(f"{a:.10e} {b:.10e}\n")
    return {"file": fname, "rows": int(len(q)), "q_min": q_min, "q_max": float(q_max),
            "f_ratio_end_to_max": float(fq[-1] / fq.max()),
            "sampling": f"{n_log} log-spaced in [{q_min}, {q_join}) + {n_lin} linear in "
                        f"[{q_join}, q_max]", "prefactor_in_file": amp}


def file_amplitude(f, m_ev, T):
    """Prefactor making omega_ncdm ~ 0.12 with deg_ncdm=1 (CLASS then fine-tunes it):
    CLASS's FD f = 2/(2pi)^3/(e^q+1) gives omega = m/93.14eV (T/0.71611)^3."""
    q = np.geomspace(1e-8, 200.0, 400000)
    y = q**2 * f(q)
    i_file = float(np.sum(0.5 * (y[1:] + y[:-1]) * np.diff(q)))
    i_fd = 2.0 * 1.5 * 1.2020569031595942 / (2 * np.pi) ** 3
    return i_fd / i_file * OMEGA_DM / (m_ev / 93.14 * (T / 0.71611) ** 3)


# --------------------------------------------------------------------------
def main():
    t_start = time.time()
    out = {
        "class_version": "classy " + getattr(classy, "__version__", "?"),
        "generated_by": "tests/cosmology/data/make_class_reference.py",
        "omp_threads_note": "CLASS 3.4.1 (pthreads) run with OMP_NUM_THREADS=2 on a 2-core "
                            "machine, one computation at a time; time_s = wall time of "
                            "Class.compute()",
        "cosmology": dict(COSMO, omega_dm=OMEGA_DM),
        "k_h": rnd(K_H, 10), "k_unit": "h/Mpc", "z": Z_PK,
        "T2_definition": "P_m(k,z)/P_m,LCDM(k,z), total matter incl. ncdm, classy Class.pk",
        "gauge": "synchronous (CLASS default). omega_cdm=0 is passed; CLASS then sets "
                 "Omega_cdm = Omega0_cdm_min_synchronous = 1e-10 (omega_cdm = 4.5e-11, "
                 "4e-10 of the DM) only to fix the gauge; see gauge_check",
        "precision_converged": PREC_CONV,
        "precision_variant_lmax": PREC_LMAX,
        "precision_variant_tol": PREC_TOL,
        "precision_converged_decay_equilibrium": PREC_CONV_DEQ,
        "precision_variants_decay_equilibrium": [PREC_LMAX_DEQ, PREC_TOL_DEQ],
        "lcdm_note": "LCDM has no ncdm, so the ncdm precision settings do not apply; it uses the "
                     "same output / P_k_max / z_pk and default perturbation settings (and "
                     "tol_perturbations_integration=1e-6 for the denominator of the "
                     "more_q_bins_tight_tol variant). Default-settings T^2 also uses this LCDM.",
        "k_hm_method": "first k with T^2 = 1/2, linear interpolation of T^2 in log k on "
                       "2000 log-spaced k in [0.1, 300] h/Mpc (k_hm_z0_grid60: same on the 60-pt grid)",
        "models": {},
    }

    def dump():
        with open(OUT_JSON, "w") as fh:
            json.dump(out, fh, separators=(",", ":"))

    # ---------------- LCDM reference ----------------
    p_lcdm = dict(COSMO, omega_cdm=OMEGA_DM, **OUTPUT)
    c, dt = compute(p_lcdm)
    pk_l = pk_table(c)
    pk_l_fine0 = pk_fine_z(c, 0.0)
    # thermodynamics / background
    th = c.get_thermodynamics()
    bg = c.get_background()
    zt = np.expm1(np.linspace(0.0, np.log1p(1e4), 300))
    lz_th = np.log1p(th["z"])
    o = np.argsort(lz_th)
    xe = np.interp(np.log1p(zt), lz_th[o], th["x_e"][o])
    tb = np.exp(np.interp(np.log1p(zt), lz_th[o], np.log(th["Tb [K]"][o])))
    lz_bg = np.log1p(bg["z"])
    o = np.argsort(lz_bg)
    tau = np.exp(np.interp(np.log1p(zt), lz_bg[o], np.log(bg["conf. time [Mpc]"][o])))
    aH = np.exp(np.interp(np.log1p(zt), lz_bg[o], np.log(bg["H [1/Mpc]"][o] / (1 + bg["z"][o]))))
    der = c.get_current_derived_parameters(
        ["z_star", "z_d", "conformal_age", "tau_star", "tau_d", "rs_d", "rs_star",
         "age", "tau_reio", "100*theta_star", "z_eq", "Omega_m", "Omega0_lambda"])
    out["thermo"] = {
        "source": "LCDM reference run; CLASS get_thermodynamics (x_e, Tb [K]) and "
                  "get_background (conf. time, H) interpolated linearly in log(1+z) "
                  "(x_e) / log-log (others)",
        "z": rnd(zt, 10), "x_e": rnd(xe), "T_b_K": rnd(tb), "tau_Mpc": rnd(tau),
        "aH_1_over_Mpc": rnd(aH), "derived": {k: float(v) for k, v in der.items()},
    }
    out["models"]["lcdm"] = {"params": p_lcdm, "pk_Mpc3_h3": rnd(pk_l),
                             "pk_unit": "(Mpc/h)^3, rows = z", "time_s": round(dt, 2)}
    free(c)
    # LCDM with the tighter ODE tolerance of variant (b)
    c, dt = compute(dict(p_lcdm, **ODE_TIGHT))
    pk_l_tol = pk_table(c)
    pk_l_tol_fine0 = pk_fine_z(c, 0.0)
    free(c)
    out["models"]["lcdm"]["time_s_tol_variant"] = round(dt, 2)
    print(f"LCDM done ({time.time() - t_start:.0f} s)", flush=True)
    dump()

    # ---------------- ncdm models ----------------
    models = []
    for m_kev, name in [(1.0, "wdm_1keV"), (3.0, "wdm_3keV"), (5.3, "wdm_5.3keV")]:
        m_ev = m_kev * 1e3
        base = dict(COSMO, omega_cdm=0.0, N_ncdm=1, m_ncdm=m_ev, deg_ncdm=1.0)
        # solve T_ncdm: omega = (m/93.14 eV)(T/0.71611)^3 to start, then iterate
        T = 0.71611 * (OMEGA_DM * 93.14 / m_ev) ** (1.0 / 3.0)
        hist = []
        for _ in range(4):
            cb, _t = compute(dict(base, T_ncdm=T, tol_ncdm_bg=PREC_CONV["tol_ncdm_bg"]))
            om = omega_ncdm_class(cb)
            free(cb)
            hist.append([T, om])
            T = T * (OMEGA_DM / om) ** (1.0 / 3.0)
        base["T_ncdm"] = T
        models.append((name, base, {"kind": "thermal Fermi-Dirac", "prec": PREC_CONV,
                                    "m_ncdm_eV": m_ev, "T_ncdm_over_T_cmb": T, "deg_ncdm": 1.0,
                                    "T_ncdm_iterations_[T,omega]": hist}))

    for name, fun, m_ev, label, fn in [
            ("decay_equilibrium_10keV", f_decay_eq, 1e4, "f ~ q^(-1/2) exp(-q)",
             "psd_decay_equilibrium.dat"),
            ("late_decay_qtau4_15keV", f_late_decay, 1.5e4, "f ~ q^(-1) exp(-q^2/q_tau^2), q_tau=4",
             "psd_late_decay_qtau4.dat")]:
        amp = file_amplitude(fun, m_ev, T_NONTH)
        info = write_psd(DATA_DIR + "/" + fn, fun, amp=amp)
        info["file"] = "tests/cosmology/data/" + fn
        base = dict(COSMO, omega_cdm=0.0, N_ncdm=1, m_ncdm=m_ev, T_ncdm=T_NONTH, deg_ncdm=1.0,
                    use_ncdm_psd_files=1, ncdm_psd_filenames=DATA_DIR + "/" + fn)
        # omega from the file normalisation alone (deg_ncdm = 1): gives CLASS's rescaling
        pc = PREC_CONV_DEQ if name.startswith("decay") else PREC_CONV
        cb = classy.Class()
        cb.set(dict(base, **pc))
        cb.compute(level=["background"])
        om_file = omega_ncdm_class(cb)
        free(cb)
        base["omega_ncdm"] = OMEGA_DM
        norm = {
            "how": "m_ncdm AND omega_ncdm are both given: CLASS (input.c) computes rho_ncdm "
                   "with the file's f and multiplies factor_ncdm (and deg_ncdm) by "
                   "fnu = omega_ncdm / omega_from_file, so the file's amplitude is irrelevant",
            "prefactor_in_file_A": amp,
            "omega_from_file_with_deg1": om_file,
            "effective_deg_ncdm_fnu": OMEGA_DM / om_file,
            "meaning": "f_CLASS(q) = fnu * f_file(q) = fnu * A * formula(q); CLASS's Fermi-Dirac is "
                       "f_CLASS = 2/(2 pi)^3/(e^q+1) for deg_ncdm=1, i.e. g*f_occupation = "
                       "(2 pi)^3 f_CLASS",
            "total_prefactor_of_formula_in_CLASS_units": amp * OMEGA_DM / om_file,
        }
        info["path_note"] = "written next to the json"
        models.append((name, base, {"kind": label, "m_ncdm_eV": m_ev, "prec": pc,
                                    "T_ncdm_over_T_cmb": T_NONTH, "psd": info,
                                    "normalisation": norm}))

    for name, base, meta in models:
        rec = {"meta": meta}
        deq = name.startswith("decay")
        pconv = PREC_CONV_DEQ if deq else PREC_CONV
        p_conv = dict(base, **pconv, **OUTPUT)
        c, dt = compute(p_conv)
        om = omega_ncdm_class(c)
        T2 = pk_table(c) / pk_l
        T2f0 = pk_fine_z(c, 0.0) / pk_l_fine0
        rec.update({"params": rel(p_conv), "omega_ncdm_class": om,
                    "omega_ncdm_class_over_target": om / OMEGA_DM,
                    "T2": rnd(T2, 7), "k_hm_z0": k_half(K_H_FINE, T2f0),
                    "k_hm_z0_grid60": k_half(K_H, T2[0]),
                    "k_hm_per_z_grid60": [k_half(K_H, T2[iz]) for iz in range(len(Z_PK))],
                    "time_s": round(dt, 2)})
        free(c)
        print(f"{name} converged: k_hm={rec['k_hm_z0']:.4f} h/Mpc omega ratio={om/OMEGA_DM:.7f} "
              f"t={dt:.1f}s ({time.time() - t_start:.0f} s)", flush=True)

        conv = {"criteria": "max|dT^2| over all z and k with converged T^2 > 0.05; "
                            "k_hm relative change at z=0 (fine grid)"}
        mask = T2 > 0.05
        for vname, prec, ref, ref0 in [
                ("lmax50", PREC_LMAX_DEQ if deq else PREC_LMAX, pk_l, pk_l_fine0),
                ("more_q_bins_tight_tol", PREC_TOL_DEQ if deq else PREC_TOL, pk_l_tol, pk_l_tol_fine0)]:
            c, dtv = compute(dict(base, **prec, **OUTPUT))
            T2v = pk_table(c) / ref
            T2v0 = pk_fine_z(c, 0.0) / ref0
            free(c)
            khv = k_half(K_H_FINE, T2v0)
            d = np.abs(T2v - T2)
            conv[vname] = {
                "changed": {k: v for k, v in prec.items() if pconv.get(k) != v},
                "max_abs_dT2": float(d[mask].max()),
                "max_abs_dT2_per_z": [float(d[i][mask[i]].max()) if mask[i].any() else None
                                      for i in range(len(Z_PK))],
                "k_hm_z0": khv, "k_hm_rel_change": khv / rec["k_hm_z0"] - 1.0,
                "T2_z0": rnd(T2v[0], 7), "time_s": round(dtv, 2)}
            print(f"  {vname}: max|dT2|={d[mask].max():.2e} dkhm={khv / rec['k_hm_z0'] - 1:.2e} "
                  f"t={dtv:.1f}s", flush=True)
        conv["passes_targets"] = bool(
            all(conv[v]["max_abs_dT2"] < 0.005 and abs(conv[v]["k_hm_rel_change"]) < 0.005
                for v in ("lmax50", "more_q_bins_tight_tol")))
        rec["convergence"] = conv

        # plain CLASS defaults (fluid approximation on, l_max_ncdm=17, tol 1e-3)
        p_def = dict(base, **OUTPUT)
        c, dtd = compute(p_def)
        T2d = pk_table(c) / pk_l
        T2d0 = pk_fine_z(c, 0.0) / pk_l_fine0
        omd = omega_ncdm_class(c)
        free(c)
        khd = k_half(K_H_FINE, T2d0)
        rec["default_settings"] = {
            "params": rel(p_def), "T2_z0": rnd(T2d[0], 7), "k_hm_z0": khd,
            "k_hm_z0_over_converged": khd / rec["k_hm_z0"] if khd else None,
            "max_abs_dT2_vs_converged_where_T2>0.05": float(np.abs(T2d - T2)[mask].max()),
            "omega_ncdm_class": omd, "time_s": round(dtd, 2)}
        print(f"  default: k_hm={khd} ratio={khd / rec['k_hm_z0']:.4f} t={dtd:.1f}s", flush=True)
        out["models"][name] = rec
        dump()

    # ---------------- gauge check: newtonian gauge, omega_cdm = 0 exactly ----------------
    name, base, meta = models[1]  # wdm_3keV
    p_newt = dict(base, **PREC_CONV, **OUTPUT)
    p_newt.update(gauge="newtonian", tol_ncdm_newtonian=1e-5)
    c, dtn = compute(p_newt)
    T2n = pk_table(c) / pk_l
    T2n0 = pk_fine_z(c, 0.0) / pk_l_fine0
    free(c)
    c, dtl = compute(dict(p_lcdm, gauge="newtonian"))
    pk_ln = pk_table(c)
    free(c)
    T2nn = (T2n * pk_l) / pk_ln
    T2s = np.array(out["models"][name]["T2"])
    msk = T2s > 0.05
    khn = k_half(K_H_FINE, T2n0)
    out["gauge_check"] = {
        "model": name, "params": p_newt,
        "note": "newtonian gauge (omega_cdm exactly 0; tol_ncdm_newtonian = synchronous tol). "
                "RESULT: the newtonian-gauge WDM T^2 is not smooth in k (z-independent residual "
                "oscillating by up to +-0.15 around k ~ 10-40 h/Mpc) although k_hm agrees to "
                "<0.6%; LCDM newtonian/synchronous agree to 0.3%. The synchronous-gauge "
                "result (smooth, converged w.r.t. l_max and an independent Gauss-Laguerre "
                "quadrature) is the reference; its omega_cdm = 4.5e-11 is 4e-10 of the DM.",
        "max_abs_dT2_vs_synchronous_using_sync_LCDM": float(np.abs(T2n - T2s)[msk].max()),
        "k_hm_z0": khn, "k_hm_rel_change": khn / out["models"][name]["k_hm_z0"] - 1.0,
        "max_abs_dT2_newt_over_newt_LCDM_vs_synchronous": float(np.abs(T2nn - T2s)[msk].max()),
        "k_hm_z0_grid60_rel_change_newt_over_newt_LCDM":
            k_half(K_H, T2nn[0]) / k_half(K_H, T2s[0]) - 1.0,
        "max_rel_diff_LCDM_newtonian_vs_synchronous": float(np.abs(pk_ln / pk_l - 1).max()),
        "time_s": round(dtn, 2)}
    print("gauge check:", out["gauge_check"]["max_abs_dT2_vs_synchronous_using_sync_LCDM"],
          out["gauge_check"]["k_hm_rel_change"], f"t={dtn:.1f}s", flush=True)
    out["total_wall_time_s"] = round(time.time() - t_start, 1)
    dump()
    print(f"wrote {OUT_JSON} ({time.time() - t_start:.0f} s)")


if __name__ == "__main__":
    main()
