#!/usr/bin/env Rscript
# Independent R reference for "why it moved" and trends (docs/method.md#why-it-moved,
# docs/method.md#trends).
#
# Rerun from the repository root:
#     Rscript tests/reference/v3_change_trend.R
# Inputs (tests/data/reference_v3/): panel.csv (account, t, index, se, weight: one row
# per account and wave, t = 0..3) and respondents.csv (wave, role, nps_code).
# Outputs (same folder), 17 significant digits: r_decomposition.csv, r_kitagawa.csv,
# r_migration.csv, r_stuart_maxwell.csv, r_slopes.csv, r_portfolio_slope.csv.
#
# Nothing here calls b2bcx: the decomposition is computed from its definition, the
# migration test by coin::mh_test, the account slopes by lm(weights =), their
# shrinkage by metafor::rma(method = "REML") + blup(), the portfolio slope's
# clustered errors by sandwich::vcovCL(type = "HC1"), q-values by p.adjust("BH").
suppressPackageStartupMessages({
  library(metafor); library(coin); library(sandwich)
})
options(digits = 17)
here <- "tests/data/reference_v3"
panel <- read.csv(file.path(here, "panel.csv"), stringsAsFactors = FALSE)
out <- function(frame, name) {
  write.csv(format(frame, digits = 17), file.path(here, name), row.names = FALSE,
            quote = FALSE)
}

# -- decomposition of the index change between t = 2 (baseline) and t = 3 ----------
w0 <- panel[panel$t == 2, ]; w1 <- panel[panel$t == 3, ]
ids <- sort(union(w0$account, w1$account))
y0 <- w0$index[match(ids, w0$account)]; v0 <- w0$weight[match(ids, w0$account)]
y1 <- w1$index[match(ids, w1$account)]; v1 <- w1$weight[match(ids, w1$account)]
in0 <- !is.na(y0); in1 <- !is.na(y1)
B <- in0 & in1; E <- in1 & !in0; L <- in0 & !in1
wm <- function(y, v) sum(v * y) / sum(v)
u0 <- v0[B] / sum(v0[B]); u1 <- v1[B] / sum(v1[B])
continuing <- sum((u0 + u1) / 2 * (y1[B] - y0[B]))
weight_mix <- sum((u1 - u0) * (y1[B] + y0[B]) / 2)
entered <- sum(v1[E]) / sum(v1[in1]) * (wm(y1[E], v1[E]) - wm(y1[B], v1[B]))
left <- -sum(v0[L]) / sum(v0[in0]) * (wm(y0[L], v0[L]) - wm(y0[B], v0[B]))
total <- wm(y1[in1], v1[in1]) - wm(y0[in0], v0[in0])
stopifnot(abs(total - (continuing + weight_mix + entered + left)) < 1e-12)
out(data.frame(weights = "revenue", total, continuing, weight_mix, entered, left,
               n_continuing = sum(B), n_entered = sum(E), n_left = sum(L)),
    "r_decomposition.csv")

# -- Kitagawa: respondent NPS by role ----------------------------------------------
resp <- read.csv(file.path(here, "respondents.csv"), stringsAsFactors = FALSE)
roles <- sort(unique(resp$role))
part <- function(w) {
  r <- resp[resp$wave == w, ]
  s <- sapply(roles, function(x) mean(r$role == x))
  n <- sapply(roles, function(x) 100 * (mean(r$nps_code[r$role == x] == 1) -
                                       mean(r$nps_code[r$role == x] == -1)))
  list(s = s, n = n, nps = 100 * (mean(r$nps_code == 1) - mean(r$nps_code == -1)))
}
a <- part(0); b <- part(1)
rate <- sum((a$s + b$s) / 2 * (b$n - a$n)); mix <- sum((b$s - a$s) * (a$n + b$n) / 2)
stopifnot(abs((b$nps - a$nps) - (rate + mix)) < 1e-12)
out(data.frame(before = a$nps, after = b$nps, total = b$nps - a$nps, rate, mix),
    "r_kitagawa.csv")

# -- migration between bands of the index (below 50, 50-70, 70 and above) ---------
band <- function(x) cut(x, c(-Inf, 50, 70, Inf), right = FALSE,
                        labels = c("below 50", "50-70", "70 and above"))
both <- ids[B]
tab <- table(band(y0[B]), band(y1[B]))
out(as.data.frame.matrix(tab), "r_migration.csv")
mh <- mh_test(tab)
out(data.frame(statistic = as.numeric(statistic(mh)), df = 2,
               p = as.numeric(pvalue(mh))), "r_stuart_maxwell.csv")

# -- account slopes: WLS with known variances, REML shrinkage, BH -----------------
slopes <- do.call(rbind, lapply(split(panel, panel$account), function(g) {
  if (nrow(g) < 3) return(data.frame(account = g$account[1], waves = nrow(g),
                                     slope = NA, slope_se = NA))
  fit <- lm(index ~ t, data = g, weights = 1 / g$se^2)
  co <- summary(fit)$coefficients
  data.frame(account = g$account[1], waves = nrow(g), slope = co["t", 1],
             slope_se = co["t", 2] / summary(fit)$sigma)
}))
ok <- !is.na(slopes$slope)
fit <- rma(yi = slopes$slope[ok], sei = slopes$slope_se[ok], method = "REML",
           control = list(threshold = 1e-12, maxiter = 10000))
bl <- blup(fit)
slopes$slope_eb <- NA; slopes$slope_eb[ok] <- bl$pred
slopes$slope_reliability <- NA
slopes$slope_reliability[ok] <- fit$tau2 / (fit$tau2 + slopes$slope_se[ok]^2)
slopes$p_slope <- 2 * (1 - pnorm(abs(slopes$slope / slopes$slope_se)))
slopes$q_slope <- p.adjust(slopes$p_slope, "BH")
slopes$tau2 <- fit$tau2
out(slopes, "r_slopes.csv")

# -- portfolio slope: lm weighted by the account weights, CR1 by account -----------
pf <- lm(index ~ t, data = panel, weights = panel$weight)
vc <- vcovCL(pf, cluster = ~account, type = "HC1")
out(data.frame(slope = coef(pf)[["t"]], se = sqrt(vc["t", "t"]),
               accounts = length(unique(panel$account)), observations = nrow(panel)),
    "r_portfolio_slope.csv")
cat("written to", here, "\n")
